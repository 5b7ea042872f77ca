"""Video in (files, photos, cameras) and out (annotated files)."""
