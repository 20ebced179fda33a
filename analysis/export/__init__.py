"""Writers of the products: GeoTIFF, GeoJSON, KMZ, CSV with metadata, web map, PNG."""

from analysis.export.geotiff import write_coverage_geotiff

__all__ = ["write_coverage_geotiff"]
