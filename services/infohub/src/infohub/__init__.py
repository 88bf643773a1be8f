"""infohub"""
