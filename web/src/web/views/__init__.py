"""The workbench's pages, one blueprint per menu entry."""
