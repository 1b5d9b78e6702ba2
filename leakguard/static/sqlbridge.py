"""SQL seen statically: ``%%sql`` cells, ``%sql`` lines, and SQL strings passed to known query calls.

The text goes to the SQL engine's analysis (:func:`leakguard.sql.analysis.analyse`) and
becomes the same ``Query`` event the kernel's SQL guard emits, with the lineage nodes of
the rows each scan reads: a DataFrame of the notebook that DuckDB reads by name, a file
(its header read when the file is at hand), or a database table (its columns learned
from the query). SQL built at run time (an f-string) is reported as not analysed.
sqlglot is imported only when a file has SQL in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from leakguard.libraries.sql.catalog import CURSOR_FETCHES, DUCK_FILE_READERS, QUERY_METHODS
from leakguard.lineage.events import Derive, NodeId, Query, Read
from leakguard.lineage.graph import file_key
from leakguard.static.emitted import event
from leakguard.static.values import Conn, Const, Data, Value

if TYPE_CHECKING:
    from leakguard.sql.analysis import Analysis, Scan
    from leakguard.sql.tables import TableRef
    from leakguard.static.calls import Site
    from leakguard.static.interp import Interp

_QUERY_METHODS = frozenset(QUERY_METHODS)
_CURSOR_FETCHES = frozenset(CURSOR_FETCHES)
_DUCK_FILE_READERS = frozenset(DUCK_FILE_READERS)
_WRITTEN = "sql frame "  # + a table's key, in the interpreter's globals: the frame ``to_sql`` wrote it from


def table_written(it: Interp, name: str, frame: Data) -> None:
    """``frame.to_sql(name, con)``: a later query of table ``name`` reads the frame's rows."""
    it.globals[_WRITTEN + name.lower()] = frame


class _Schema:
    """The analysis's schema: notebook frames DuckDB reads by name, then files at hand, else unknown."""

    def __init__(self, it: Interp, dialect: str, names: Mapping[str, Data] | None = None) -> None:
        self.it, self.dialect, self.names = it, dialect, names
        self.frames: dict[str, Data] = {}
        self.files: dict[str, NodeId] = {}  # tables that are files a reader read: their source node
        self.columns_of: dict[str, dict[str, str] | None] = {}
        self.asked: dict[str, TableRef] = {}

    def columns(self, table: TableRef) -> Mapping[str, str] | None:
        self.asked[table.key] = table
        if table.key in self.columns_of:
            return self.columns_of[table.key]
        cols: dict[str, str] | None = None
        value: Value | None
        if self.names is not None:
            # frames registered by name (Spark temp views, a Polars SQLContext): nothing else is a frame
            value = self.names.get(table.table.lower() if self.dialect == "spark" else table.table) \
                if len(table.parts) <= 2 and table.path is None else None
        else:
            value = self.it.globals.get(table.table) if len(table.parts) == 1 and table.path is None else None
        written = self.it.globals.get(_WRITTEN + table.key) if table.path is None else None
        if isinstance(written, Data) and written.kind == "frame":
            # a table ``df.to_sql(name, con)`` wrote: the frame's rows and columns
            self.frames[table.key] = written
            cols = dict.fromkeys(written.columns, "") if written.columns is not None else None
        elif (self.dialect == "duckdb" or self.names is not None) and isinstance(value, Data) and value.kind == "frame":
            self.frames[table.key] = value
            cols = dict.fromkeys(value.columns, "") if value.columns is not None else None
        elif table.path is not None and (read := self.it.graph.file_node(file_key(table.path, self.it.base_dir))):
            # a file a reader read (``pd.read_csv``): the scan reads the same rows, judged as a table's
            self.files[table.key] = read.id
            cols = dict.fromkeys(read.columns, "") if read.columns is not None else None
        elif table.path is not None:
            from leakguard.libraries.pandas.static import file_columns

            found = file_columns(self.it.base_dir, table.path, "read_csv", {}) if table.path.lower().endswith(
                (".csv", ".tsv", ".txt", ".parquet")) else None
            cols = dict.fromkeys(found, "") if found is not None else None
        self.columns_of[table.key] = cols
        return cols


_MEMO: dict[tuple[str, str, object], tuple[Analysis, dict[str, tuple[TableRef, object]]]] = {}
_MEMO_SIZE = 256


def _analyse(sql: str, dialect: str, it: Interp, schema: _Schema) -> Analysis:
    """The SQL engine's analysis, remembered: a query seen before with the same policy is not parsed
    again when every table it asked about resolves to the same columns now."""
    from leakguard.sql.analysis import analyse

    key = (sql, dialect, it.policy)
    hit = _MEMO.get(key)
    if hit is not None:
        analysis, asked = hit
        if all(schema.columns(ref) == cols for ref, cols in asked.values()):
            return analysis
    analysis = analyse(sql, dialect, it.policy, schema)
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[key] = (analysis, {k: (ref, schema.columns_of.get(k)) for k, ref in schema.asked.items()})
    return analysis


def query(it: Interp, sql: str, dialect: str, names: Mapping[str, Data] | None = None) -> Value:
    """Analyse ``sql``, emit its events as the kernel's guard does, and return the result's rows.

    ``names`` are the frames the query may read by name (Spark temp views, a Polars ``SQLContext``);
    without it, DuckDB's rule: the notebook's variables."""
    from leakguard.sql.tables import is_holdout
    schema = _Schema(it, dialect, names)
    analysis = _analyse(sql, dialect, it, schema)
    where = it.where()
    if analysis.kind == "unanalysed":
        it.emit(event(Query, sql=sql, dialect=analysis.dialect, tables=(), where=where, inspects=False,
                      unanalysed=analysis.problem))
        return Data("frame", "<sql result>", inputs=())
    if analysis.write_sources:
        _written_tables(it, schema, analysis)
    if analysis.kind == "write":
        protected = tuple(w.name for w in analysis.writes if is_holdout(w, it.policy.holdout.tables))
        if protected:
            it.emit(event(Query, sql=sql, dialect=analysis.dialect, tables=analysis.tables, where=where,
                          inspects=False, writes=protected))
        return Const(None)
    if analysis.kind != "query":
        return Const(None)
    nodes = {id(scan): _scan_node(it, schema, scan) for scan in analysis.scans}
    inputs = tuple(dict.fromkeys(nodes.values()))
    it.emit(event(Query, sql=sql, dialect=analysis.dialect, tables=analysis.tables, where=where,
                  columns=analysis.columns, inputs=analysis.looked(nodes), label_columns=analysis.label_uses,
                  inspects=analysis.inspects, counts=analysis.counts))
    return _result(it, analysis, inputs)


def _written_tables(it: Interp, schema: _Schema, analysis: Analysis) -> None:
    """``CREATE TABLE t AS query``: a later query of ``t`` reads the rows of the query's scans (the kernel's
    ``written_node``), its statistic columns with their own lineage."""
    from leakguard.sql.lineage import statistic_columns

    sources = tuple(dict.fromkeys(_scan_node(it, schema, scan) for scan in analysis.write_sources))
    for target in analysis.writes:
        nid = it.graph.new_id()
        it.emit(Derive(nid, sources, f"write {target.name}", target.name, it.where(),
                       rows="subset"))
        for e in statistic_columns(analysis, sources, nid, new_id=it.graph.new_id, where=it.where(), columns=None,
                                   label=it.policy.label, statistics=analysis.write_statistics):
            it.emit(e)
            nid = e.out
        it.globals[_WRITTEN + target.key] = Data("frame", target.name, node=nid)


def unanalysed(it: Interp, dialect: str, why: str) -> Value:
    """A query whose text is not known statically (built at run time)."""
    it.emit(event(Query, sql="", dialect=dialect, tables=(), where=it.where(), inspects=False, unanalysed=why))
    return Data("frame", "<sql result>", inputs=())


def _result(it: Interp, analysis: Analysis, inputs: tuple[NodeId, ...]) -> Data:
    label = it.policy.label
    nid = it.graph.new_id()
    it.emit(Derive(nid, inputs, "sql", "<sql result>", it.where(),
                   rows="aggregate" if analysis.aggregate else "subset",
                   label_derived=analysis.label_out and bool(label)))
    from leakguard.sql.lineage import statistic_columns

    for e in statistic_columns(analysis, inputs, nid, new_id=it.graph.new_id, where=it.where(),
                               columns=None, label=label):
        it.emit(e)
        nid = e.out
    return Data("frame", "<sql result>", node=nid)


def _table_node(it: Interp, scan: Scan, columns: Mapping[str, str] | None) -> NodeId:
    key = f"sql table {scan.ref.key}"
    found = it.globals.get(key)
    if isinstance(found, Data) and found.node is not None:
        return found.node
    nid = it.graph.new_id()
    it.emit(Read(nid, f"table {scan.ref.name}", scan.ref.name, it.where(),
                 tuple(columns) if columns is not None else None, kind="table",
                 path=file_key(scan.ref.path, it.base_dir)))
    it.globals[key] = Data("frame", scan.ref.name, node=nid)
    return nid


def _scan_node(it: Interp, schema: _Schema, scan: Scan) -> NodeId:
    """The node of the rows one scan reads (the kernel guard's ``scan_node``; in safe mode, the cuts its rewrite makes)."""
    from leakguard.sql.tables import is_holdout, rows_yet_to_split

    policy = it.policy
    frame = schema.frames.get(scan.ref.key)
    time_col = scan.column(policy.time) if policy.time else None
    removes: set[str] = set()
    if frame is not None:
        base = it.node(frame, scan.ref.table)
    else:
        h = policy.holdout
        if is_holdout(scan.ref, h.tables):
            removes |= {"train", "future"}
        else:
            modelling = scan.holds_any((policy.time, h.column, h.id_column, *policy.label))
            every_row = rows_yet_to_split(policy)
            if not scan.known and not modelling and not every_row:
                nid = it.graph.new_id()
                it.emit(Derive(nid, (), f"{scan.ref.name} (columns unknown)", scan.ref.name, it.where(),
                               rows="subset"))
                return nid
            if time_col is None:
                removes.add("future")
            row_holdout = h.fraction is not None or h.column is not None or h.ids is not None
            if (not modelling or not row_holdout) and not every_row:  # a holdout of whole tables leaves others clean
                removes.add("holdout")
        base = schema.files.get(scan.ref.key) or _table_node(it, scan, scan.columns)
    if time_col is not None and scan.bounded and policy.has_future:
        removes.add("future")
    if policy.mode == "safe":  # the kernel rewrites the scan with the cuts its columns allow
        h = policy.holdout
        if time_col is not None and policy.has_future:
            removes.add("future")
        if (h.column and scan.column(h.column)) or (h.ids is not None and h.id_column and scan.column(h.id_column)):
            removes.add("holdout")
    if not removes:
        return base
    nid = it.graph.new_id()
    it.emit(Derive(nid, (base,), "sql scan", scan.ref.name, it.where(), rows="subset",
                   columns=it.graph.nodes[base].columns, removes=frozenset(removes)))
    return nid


# -- calls --------------------------------------------------------------------------------------------


def _text(it: Interp, value: Value | None, dialect: str) -> Value | None:
    if isinstance(value, Const) and isinstance(value.value, str):
        return query(it, value.value, dialect)
    if value is not None:
        return unanalysed(it, dialect, "the query text is built at run time")
    return None


def _file(it: Interp, path: Value | None) -> Value:
    """``duckdb.read_csv(path)``: a relation of the file's rows, as ``SELECT * FROM 'path'`` reads them."""
    if not (isinstance(path, Const) and isinstance(path.value, str)):
        return unanalysed(it, "duckdb", "the file name is computed at run time")
    from sqlglot import exp

    text = exp.select("*").from_(exp.Table(this=exp.to_identifier(path.value, quoted=True))).sql(dialect="duckdb")
    return query(it, text, "duckdb")


def catalog_call(it: Interp, qualname: str, module: str, site: Site) -> Value:
    """A catalog entry of kind ``query`` called as a function (``duckdb.sql``, ``pd.read_sql``, ``sqlite3.connect``)."""
    if module == "sqlite3":
        return Conn("sqlite")
    if module == "duckdb" and qualname in _DUCK_FILE_READERS:
        return _file(it, site.arg(0, "path_or_buffer"))
    if module == "duckdb":
        return _text(it, site.arg(0, "query"), "duckdb") or Const(None)
    if qualname == "read_sql_table":
        name = site.arg(0, "table_name")
        if isinstance(name, Const) and isinstance(name.value, str):
            return query(it, f'SELECT * FROM "{name.value}"', _dialect(site.arg(1, "con")))
        return unanalysed(it, _dialect(site.arg(1, "con")), "the table name is computed at run time")
    if qualname in ("read_sql", "read_sql_query"):
        return _text(it, site.arg(0, "sql"), _dialect(site.arg(1, "con"))) or Const(None)
    return Const(None)


def _dialect(con: Value | None) -> str:
    return con.dialect if isinstance(con, Conn) else ""


def connect(path: str) -> Conn | None:
    """``duckdb.connect()``, ``sqlalchemy.create_engine(url)``: a connection value, or None."""
    if path == "duckdb.connect":
        return Conn("duckdb")
    if path in ("sqlalchemy.create_engine", "sqlalchemy.engine.create_engine"):
        return Conn("")
    return None


def conn_method(it: Interp, con: Conn, name: str, site: Site) -> Value:
    """``con.execute(sql)``, ``con.cursor()``, ``engine.connect()``..."""
    if name == "cursor" and con.dialect == "sqlite":
        return Conn(con.dialect, con.lib, con.tables, cursor=True)  # a cursor of its own: it holds its own query's result
    if name in ("cursor", "connect", "begin", "__enter__"):
        return con
    if name in _QUERY_METHODS:
        result = _text(it, site.arg(0, "query"), con.dialect) or Const(None)
        if isinstance(result, Data) and con.cursor:
            con.result = result  # ``cur.execute(q)`` then ``cur.fetchall()``, ``list(cur)``
        return result
    if name in _DUCK_FILE_READERS and con.dialect == "duckdb" and not con.lib:
        return _file(it, site.arg(0, "path_or_buffer"))
    if name in _CURSOR_FETCHES and con.result is not None:
        return con.result
    if name == "register":
        table, frame = site.arg(0, "view_name"), site.arg(1, "python_object")
        if isinstance(table, Const) and isinstance(table.value, str) and isinstance(frame, Data):
            it.globals[table.value] = frame
    return Const(None)
