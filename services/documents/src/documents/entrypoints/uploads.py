"""The file of an upload: now ``secretariat_shared.uploads``, shared with archives."""

from secretariat_shared.uploads import uploaded_file as uploaded_file
