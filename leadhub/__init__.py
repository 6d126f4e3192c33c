"""LeadHub: lead management for sales teams."""
