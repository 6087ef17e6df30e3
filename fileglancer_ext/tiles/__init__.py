"""The in-JupyterLab viewer's server side: an image's descriptor and its PNG tiles."""
