"""One module per place in the flow of care: community, hospital (A&E and acute beds),
discharge, reablement, intermediate care, home care and care homes."""
