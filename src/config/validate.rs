//! The checks Prefect 0.5.3 makes on a loaded configuration before anything runs:
//! `process_task_defaults` and building the context from `config.context`.

use super::ConfigError;
use crate::value::{Dict, Value};

/// `timedelta(seconds=n)` accepts these; Prefect converts integer task delays with it.
const TIMEDELTA_SECONDS: std::ops::RangeInclusive<i64> = -86_399_999_913_600..=86_399_999_999_999;

/// Names a Prefect context (a `DotDict`) refuses as keys: the attributes of
/// `collections.abc.MutableMapping` on Python 3.11 (`hasattr(MutableMapping, key)`).
const PROTECTED_CONTEXT_KEYS: &[&str] = &[
    "_MutableMapping__marker",
    "__abstractmethods__",
    "__annotations__",
    "__base__",
    "__bases__",
    "__basicsize__",
    "__call__",
    "__class__",
    "__class_getitem__",
    "__contains__",
    "__delattr__",
    "__delitem__",
    "__dict__",
    "__dictoffset__",
    "__dir__",
    "__doc__",
    "__eq__",
    "__flags__",
    "__format__",
    "__ge__",
    "__getattribute__",
    "__getitem__",
    "__getstate__",
    "__gt__",
    "__hash__",
    "__init__",
    "__init_subclass__",
    "__instancecheck__",
    "__itemsize__",
    "__iter__",
    "__le__",
    "__len__",
    "__lt__",
    "__module__",
    "__mro__",
    "__name__",
    "__ne__",
    "__new__",
    "__or__",
    "__prepare__",
    "__qualname__",
    "__reduce__",
    "__reduce_ex__",
    "__repr__",
    "__reversed__",
    "__ror__",
    "__setattr__",
    "__setitem__",
    "__sizeof__",
    "__slots__",
    "__str__",
    "__subclasscheck__",
    "__subclasses__",
    "__subclasshook__",
    "__text_signature__",
    "__weakrefoffset__",
    "_abc_caches_clear",
    "_abc_impl",
    "_abc_registry_clear",
    "_dump_registry",
    "clear",
    "get",
    "items",
    "keys",
    "mro",
    "pop",
    "popitem",
    "register",
    "setdefault",
    "update",
    "values",
];

/// `process_task_defaults`: `tasks` and `tasks.defaults` must be tables, and integer
/// `retry_delay` / `timeout` values must fit a Python `timedelta`.
pub fn check_task_defaults(config: &Dict) -> Result<(), ConfigError> {
    let defaults = match config.get("tasks") {
        None => return Ok(()),
        Some(Value::Dict(tasks)) => match tasks.get("defaults") {
            None => return Ok(()),
            Some(Value::Dict(d)) => d,
            Some(other) => return Err(not_a_table("tasks.defaults", other)),
        },
        Some(other) => return Err(not_a_table("tasks", other)),
    };
    for key in ["retry_delay", "timeout"] {
        if let Some(Value::Int(i)) = defaults.get(key) {
            if !i.as_i64().is_some_and(|s| TIMEDELTA_SECONDS.contains(&s)) {
                return Err(ConfigError::new(format!(
                    "tasks.defaults.{key} is too large for a Python timedelta \
                     (Prefect 0.5.3 fails to start with OverflowError)"
                )));
            }
        }
    }
    Ok(())
}

fn not_a_table(key: &str, v: &Value) -> ConfigError {
    ConfigError::new(format!(
        "{key} is a {} in the configuration, not a table, so Prefect 0.5.3 would fail to start",
        v.type_name()
    ))
}

/// What `prefect.context.get("secrets")` is, right after start.
pub enum SecretsTable<'a> {
    /// No `secrets` key in the context: every name is None.
    Absent,
    /// The table (read by the fuzz targets; the library takes it out of the context).
    Table(&'a Dict),
    /// A non-table value: `secrets.get(name)` raises in Python.
    NotATable(&'static str),
}

/// `Context.update(config.context)`, and the `secrets` entry it yields.
pub fn context_secrets(config: &Dict) -> Result<SecretsTable<'_>, ConfigError> {
    let context = match config.get("context") {
        None => return Ok(SecretsTable::Absent),
        Some(Value::Dict(d)) => d,
        // Updating from an empty sequence adds nothing.
        Some(Value::Str(s)) if s.is_empty() => return Ok(SecretsTable::Absent),
        Some(Value::List(l)) if l.0.is_empty() => return Ok(SecretsTable::Absent),
        Some(other) => return Err(not_a_table("context", other)),
    };
    if let Some((key, _)) = context.iter().find(|(k, _)| {
        k.as_str()
            .is_some_and(|k| PROTECTED_CONTEXT_KEYS.contains(&k))
    }) {
        return Err(ConfigError::new(format!(
            "context.{} is a name Prefect 0.5.3's context refuses (ValueError: Invalid key)",
            key.to_string_lossy()
        )));
    }
    Ok(match context.get("secrets") {
        None => SecretsTable::Absent,
        Some(Value::Dict(d)) => SecretsTable::Table(d),
        Some(other) => SecretsTable::NotATable(other.type_name()),
    })
}
