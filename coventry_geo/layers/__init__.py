"""Reading and validating the layers named in a manifest."""

from coventry_geo.layers.raster import RasterLayer, open_raster_layer
from coventry_geo.layers.schemas import LAYER_SCHEMAS, FieldSpec, LayerSchema
from coventry_geo.layers.vector import read_vector_layer

__all__ = [
    "LAYER_SCHEMAS",
    "FieldSpec",
    "LayerSchema",
    "RasterLayer",
    "open_raster_layer",
    "read_vector_layer",
]
