"""One module per ``simshare`` command: each adds its parser (``add_parser``) and carries it out
(``command``) by calling the public Python function a user would call, then prints."""
