"""Cadastre (catastro): parcels served as OGC API – Features and the connector that reads them.

``connectors.catastro.ogc`` writes pygeoapi's configuration for the platform's ``/ogc``
mount; :class:`CatastroConnector` finds parcels by padrón, nomenclatura or point.
"""

from connectors.catastro.connector import CatastroConnector

__all__ = ["CatastroConnector"]
