"""Trámites SMT: a low-code platform on which a city runs its procedures as BPMN processes."""

from setuptools import find_packages, setup

INSTALL_REQUIRES = [
    "SpiffWorkflow==3.2.0",
    "Flask>=3.1,<4",
    "Flask-SQLAlchemy>=3.1,<4",
    "SQLAlchemy>=2.0,<3",
    "Flask-Migrate>=4.1,<5",
    "alembic>=1.13",
    "Flask-Babel>=4,<5",
    "marshmallow>=4,<5",
    "flask-smorest>=0.47",
    # jsonschema's "format-nongpl" extra without rfc3987-syntax, whose grammar costs over a
    # second at every import: forms/formats.py checks iri and iri-reference instead.
    "jsonschema>=4.23",
    "fqdn",
    "idna",
    "isoduration",
    "jsonpointer>1.13",
    "rfc3339-validator",
    "rfc3986-validator>0.1.0",
    "uri-template",
    "webcolors>=24.6.0",
    "PyYAML>=6",
    "defusedxml>=0.7",
    "RestrictedPython>=8",
    "python-dateutil>=2.9",
    "tzdata",
    "weasyprint>=62",
    "pyHanko>=0.25",
    "pyhanko-certvalidator",
    "pypdf>=5",
    "qrcode>=8",
    "cryptography>=42",
    "ldap3==2.9.1",
    "pyasn1<0.5",
    "pygeoapi>=0.21",
    "minio>=7.2",
    # The staff dashboard's forecast of incoming cases (Holt-Winters / ETS on daily counts).
    "statsmodels>=0.14",
    "paho-mqtt>=2,<3",
    "requests>=2.31",
    "argon2-cffi>=23",
    "Authlib>=1.3",
    "psycopg[binary]>=3.1",
    # Migue's retrieval over the public guide: BM25 ranking and the Spanish Snowball stemmer.
    "bm25s>=0.3",
    "snowballstemmer>=3",
    # /metrics: the Prometheus exposition format, multiprocess mode for several gunicorn workers
    "prometheus-client>=0.20",
]

EXTRAS_REQUIRE = {
    "prod": [
        "gunicorn>=22",
        "celery[redis]>=5.4",
        "redis>=5",
        # PKCS#11 tokens and HSMs that hold the officials' signing keys (pyHanko's pkcs11 module).
        "python-pkcs11>=0.10",
    ],
    "test": [
        "pytest>=8",
        "pytest-timeout>=2.3",
        # `make test` spreads the suite over the machine's cores (-n 2 --dist loadgroup).
        "pytest-xdist>=3.6",
        "moto[server]>=5",
        "OWSLib>=0.31",
        "aiosmtpd>=1.4",
        "playwright>=1.45",
        "ruff>=0.6",
        "mypy>=1.10",
        "types-PyYAML",
        "types-requests",
        "types-python-dateutil",
        "import-linter>=2",
        "celery[redis]>=5.4",
        "redis>=5",
        "gunicorn>=22",
        "schemathesis>=4.3",
        # tests/appointments: the confirmations' .ics files are checked by parsing them.
        "icalendar>=6",
        # bench/load.py: the load test (its gevent stays in the load generator's process)
        # and the latency plot it writes.
        "locust>=2.30",
        "matplotlib>=3.8",
    ],
}

setup(
    name="tramites-smt",
    version="0.1.0",
    description=__doc__,
    python_requires=">=3.11",
    packages=find_packages(include=["bounds*", "engine*", "forms*", "connectors*", "portal*", "worklists*",
                                    "storage*"]),
    py_modules=["wsgi"],
    include_package_data=True,
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS_REQUIRE,
    entry_points={
        "console_scripts": ["tramites=wsgi:cli"],
        "tramites.connectors": [],
    },
)
