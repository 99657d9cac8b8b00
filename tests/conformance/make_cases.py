#!/usr/bin/env python3
"""Writes cases.json: the project's own conformance cases, one or more per rule of
docs/SEMANTICS.md. Expected outcomes come only from Prefect 0.5.3, asked by the repository's
oracle (tests/oracle/oracle.py):

    python3 tests/conformance/make_cases.py              # writes cases.json
    python3 tests/conformance/refresh.py cases.json      # Prefect's answers: expected.json
    python3 tests/conformance/make_cases.py --refresh    # both in one go

Cases where the library deliberately differs from Prefect 0.5.3 (docs/differences.md)
are not here; unit tests cover them.
"""
import json
import os
import subprocess
import sys

S = "PREFECT__CONTEXT__SECRETS__S"
CLOUD = {"PREFECT__CLOUD__USE_LOCAL_SECRETS": "false", "PREFECT__CLOUD__API": "{SERVER}",
         "PREFECT__CLOUD__AUTH_TOKEN": "tok-1"}
cases = []


def case(id, name="s", **kw):
    assert id not in {c["id"] for c in cases}, id
    cases.append({"id": id, "name": name, **kw})


def ctx(id, value, **kw):
    case("ctx-" + id, context_set={"s": value}, **kw)


def env(id, value, **kw):
    extra = kw.pop("env", {})
    case("env-" + id, env={S: value, **extra}, **kw)


def toml(id, body, name="D", **kw):
    case("toml-" + id, name=name, user_config=body, **kw)


def ok(body):
    return {"status": 200, "body": {"data": {"secretValue": body}}}


def cloud(id, responses, name="DB", env=None, **kw):
    e = dict(CLOUD)
    e.update(env or {})
    e = {k: v for k, v in e.items() if v is not None}
    case("cloud-" + id, name=name, env=e, server={"responses": responses, **kw.pop("server", {})}, **kw)


# --- section 1: get() in four steps -------------------------------------------------------
case("flow-building-no-secret", flow_building=True)
case("flow-building-beats-cloud", env={**CLOUD, "PREFECT__CLOUD__API": "http://127.0.0.1:9"}, flow_building=True)
for i, text in enumerate(["yes", "1", "0", "True", "TRUE", "1.0", "false", "", "none"]):
    case("use-local-env-%d" % i, context_set={"s": "v"},
         env={"PREFECT__CLOUD__USE_LOCAL_SECRETS": text, "PREFECT__CLOUD__API": "http://127.0.0.1:9"})
case("use-local-toml-string", context_set={"s": "v"},
     user_config='[cloud]\nuse_local_secrets = "true"\napi = "http://127.0.0.1:9"\n')
case("use-local-toml-int", context_set={"s": "v"},
     user_config='[cloud]\nuse_local_secrets = 1\napi = "http://127.0.0.1:9"\n')
case("no-secrets-table-other-context", env={"PREFECT__CONTEXT__OTHER": "1"})
case("secrets-missing-name-with-table", env={"PREFECT__CONTEXT__SECRETS__A": "1"})
case("secret-name-is-case-sensitive", name="S", context_set={"s": "x"})
case("secret-empty-name", name="", env={"PREFECT__CONTEXT__SECRETS__": "empty-name"})
case("secret-unicode-name", name="clé", context_set={"clé": "v"})

# --- section 1: Python's json.loads ------------------------------------------------------
for i, (text) in enumerate([
    " 7", "7 ", "\t\r\n7\n", "\f7", "\u00a07", "\ufeff7", "\ufeff\"x\"", "42 43", "[1,]", "{\"a\":1,}",
    "+1", "007", "-007", "0x1F", "1.", ".5", "1e", "1e+", "-", "--1", "'single'", "{'a': 1}",
    "\"tab\there\"", "\"nl\nhere\"", "\"del\x7fok\"", "\"\\x41\"", "\"\\u12\"", "\"\\uZZZZ\"",
    "\"unterminated", "nul", "tru", "True", "None", "nan", "inf", "Infinity", "-Infinity",
    "NaN", "[NaN, Infinity, -Infinity]", "{\"n\": NaN}", "-0", "-0.0", "0.0", "1E5", "1e5",
    "1.5E-5", "0.30000000000000004441", "1e400", "-1e400", "1e-400", "2.225073858507201e-308",
    "5e-324", "1e16", "1e15", "123456789.123", "0.1", "100", "-9223372036854775809",
    "9223372036854775808", "123456789012345678901234567890", "-123456789012345678901234567890",
    "{\"a\": 1, \"b\": 2, \"a\": 3}", "{\"a\": {\"x\": 1}, \"a\": [2]}", "\"\\u00e9t\\u00e9\"",
    "\"\\ud83d\\ude00\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\ud800\\u0041\"", "\"a\\u0000b\"",
    "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"", "\"\\q\"", "[]", "{}", "\"\"", "[[[[[]]]]]",
    "{\"\": \"\"}", "[1, [2, [3, {\"k\": [true, false, null]}]]]", "  {  \"a\"  :  [ 1 , 2 ]  }  ",
    "[1 2]", "{1: 2}", "{\"a\" 1}", "[\"a\",]", "\"\u00e9\u2603\ud83d\ude00\"", "été",
    "\"é\" ", "null ", " null", "[null]", "false", "true ",
]):
    ctx("json-%02d" % i, text)
for i, text in enumerate(["caf\u00e9", "\"quoted\"", " [1, 2] \n", "\"null\"", " null\t", "\"tab\\there\"",
                          "{\"a\": [1, 2.5]}", "{\"k\": 1, \"k\": 2}", "\"x\\u0000y\""]):
    ctx("c-rendering-%d" % i, text)
ctx("int-4300-digits", "7" * 4300)
ctx("int-neg-4300-digits", "-" + "7" * 4300)
ctx("int-4301-digits", "7" * 4301)
ctx("int-4301-in-list", "[1, " + "7" * 4301 + "]")
ctx("int-4301-after-error", "[1,, " + "7" * 4301 + "]")
ctx("float-many-digits", "1" * 5000 + ".5")
ctx("nested-200", "[" * 200 + "]" * 200)
ctx("nested-objects-100", "{\"k\": " * 100 + "1" + "}" * 100)
ctx("nested-2000", "[" * 2000 + "]" * 2000)

# --- section 2: defaults, and what references to them see ---------------------------------
for key in ["cloud.api", "cloud.graphql", "cloud.log", "cloud.heartbeat_interval", "cloud.use_local_secrets",
            "logging.level", "logging.format", "logging.log_to_cloud", "debug", "flows.run_on_schedule",
            "tasks.defaults.max_retries", "tasks.defaults.retry_delay", "tasks.defaults.checkpoint",
            "engine.executor.dask.address", "engine.executor.dask.local_processes", "user_config_path",
            "engine.task_runner.default_class", "cloud", "nope.nothing"]:
    env("ref-" + key.replace(".", "-").replace("_", "-"), "${%s}" % key)
    env("ref-text-" + key.replace(".", "-").replace("_", "-"), "<${%s}>" % key)
env("ref-api-moved-by-env", "${cloud.graphql}", env={"PREFECT__CLOUD__API": "http://h:1"})
env("ref-env-key", "${context.secrets.other}", env={"PREFECT__CONTEXT__SECRETS__OTHER": "3.5"})
env("ref-env-key-text", "x${context.secrets.other}", env={"PREFECT__CONTEXT__SECRETS__OTHER": "true"})
env("ref-two-in-text", "${cloud.api}|${debug}")
env("ref-chain", "${context.secrets.a}", env={"PREFECT__CONTEXT__SECRETS__A": "${context.secrets.b}",
                                              "PREFECT__CONTEXT__SECRETS__B": "${cloud.heartbeat_interval}"})
env("ref-self", "${context.secrets.s}")
env("ref-empty-braces", "a${}b")
env("ref-brace-key", "${}}")
env("ref-newline-first", "${\\nx}")
env("ref-missing-full", "${no.such.key}")
env("ref-uppercase-key", "${CLOUD.API}")
env("ref-list", "x${context.secrets.l}", user_config="[context.secrets]\nl = [1, 'a', true]\n")
env("ref-eleven", "".join("${cloud.api}" for _ in range(11)))

# --- section 2: PREFECT__ environment variables -------------------------------------------
case("env-upper-name-not-found", name="S", env={S: "x"})
case("env-mixed-case-name", name="my_key", env={"PREFECT__CONTEXT__SECRETS__My_Key": "v"})
case("env-nested-table", name="a", env={"PREFECT__CONTEXT__SECRETS__A__B": "1", "PREFECT__CONTEXT__SECRETS__A__C": "x"})
case("env-triple-underscore", name="a", env={"PREFECT__CONTEXT__SECRETS__A___B": "1"})
case("env-prefix-case-sensitive", name="s", env={"prefect__context__secrets__s": "x"})
case("env-single-underscore", name="s", env={"PREFECT_CONTEXT__SECRETS__S": "x"})
case("env-secrets-not-a-table", env={"PREFECT__CONTEXT__SECRETS": "abc"})
case("env-secrets-int", env={"PREFECT__CONTEXT__SECRETS": "5"})
case("env-context-empty", env={"PREFECT__CONTEXT": ""})
case("env-context-string", env={"PREFECT__CONTEXT": "abc"})
case("env-context-protected-get", env={"PREFECT__CONTEXT__GET": "1"})
case("env-context-protected-keys", env={"PREFECT__CONTEXT__KEYS": "1"})
case("env-context-protected-dunder", env={"PREFECT__CONTEXT____CLASS__": "1"})
case("env-under-non-table", context_set={"s": "x"}, env={"PREFECT__CLOUD__API__X": "1"})
case("env-retry-delay-overflow", context_set={"s": "x"}, env={"PREFECT__TASKS__DEFAULTS__RETRY_DELAY": "86400000000000"})
case("env-retry-delay-max", context_set={"s": "x"}, env={"PREFECT__TASKS__DEFAULTS__RETRY_DELAY": "86399999999999"})
case("env-retry-delay-min", context_set={"s": "x"}, env={"PREFECT__TASKS__DEFAULTS__TIMEOUT": "-86399999913600"})
case("env-timeout-underflow", context_set={"s": "x"}, env={"PREFECT__TASKS__DEFAULTS__TIMEOUT": "-86399999913601"})
case("env-tasks-not-table", context_set={"s": "x"}, env={"PREFECT__TASKS": "x"})
case("env-tasks-defaults-not-table", context_set={"s": "x"}, env={"PREFECT__TASKS__DEFAULTS": "x"})
case("env-dup-lowercase-last-wins", name="k", env={"PREFECT__CONTEXT__SECRETS__K": "1", "PREFECT__CONTEXT__SECRETS__k": "2"})
# escapes (unicode_escape)
for i, text in enumerate(["a\\tb", "a\\\\b", "\\u00e9", "\\U0001F600", "\\x41\\x4a", "\\101", "\\0", "\\777",
                          "\\q", "\\'\\\"", "\\a\\b\\f\\v\\r", "\\N{SNOWMAN}", "\\N{snowman}", "\\N{BLACK STAR}x",
                          "\\ud800", "\\ud83d\\ude00", "\"\\\\u00e9\"", "[1, \\\"a\\\"]", "\\n42",
                          "abc\\", "\\x4", "\\xZZ", "\\u12", "\\U00110000", "\\N", "\\N{}", "\\N{NOT A NAME}",
                          "\\N{SNOW", "a\\\\"]):
    env("escape-%02d" % i, text)
# typing
for i, text in enumerate(["true", "FALSE", "tRuE", "42", "-7", "0", "-0", "007", " 42", "42 ", "1_000", "+5",
                          "3.14", "-2.5", "1.50", "1e5", "1e+16", "1E+16", "1e-05", "0.0001", "nan", "NaN", "inf",
                          "-inf", "Infinity", "1.0", "100000.0", "123456789012345678901234567890", "", "yes",
                          "null", "None", "[1,2]", "\"q\"", "0.1", "-0.0", "1e400"]):
    env("type-%02d" % i, text)
env("type-4301-digits", "7" * 4301)
# $VAR and ~ expansion
env("var-home", "$HOME/key.pem")
env("var-braces", "${HOME}/k")
env("var-unset", "$NOT_SET_X/${NOT_SET_Y}")
env("var-dollar-dollar", "pa$$word")
env("var-dollar-word", "pa$$word", env={"word": "WORD"})
env("var-dollar-end", "cost$")
env("var-brace-any-name", "${a.b}", env={"a.b": "dotted"})
env("var-typed-once", "$A", env={"A": "42"})
env("var-typed-twice", "$A", env={"A": "$B", "B": "42"})
env("var-twice-text", "$A", env={"A": "$B", "B": "text"})
env("var-three-rounds-int", "$A", env={"A": "$B", "B": "$C", "C": "7"})
env("var-loop", "$A", env={"A": "x$A"})
env("var-self-stable", "$A", env={"A": "$A"})
env("var-tilde", "~/k")
env("var-tilde-alone", "~")
env("var-tilde-root", "~root/k")
env("var-tilde-unknown", "~no_such_user_xyz/k")
env("var-tilde-middle", "a~/k")
env("var-home-json", "$J", env={"J": "{\"a\": 1}"})
env("var-escape-then-var", "\\$HOME")
env("var-unicode-value", "$U", env={"U": "\u00e9t\u00e9"})
# --- section 2: the user file ---------------------------------------------------------------
toml("string", "[context.secrets]\nD = \"abc\"\n")
toml("literal", "[context.secrets]\nD = 'C:\\path\\x'\n")
toml("multiline", "[context.secrets]\nD = \"\"\"\nline1\nline2\"\"\"\n")
toml("multiline-crlf", "[context.secrets]\r\nD = \"\"\"\r\na\r\nb\"\"\"\r\n")
toml("int", "[context.secrets]\nD = 42\n")
toml("hex", "[context.secrets]\nD = 0xff\n")
toml("underscore-int", "[context.secrets]\nD = 1_000\n")
toml("float", "[context.secrets]\nD = 3.5\n")
toml("float-exp", "[context.secrets]\nD = 1e5\n")
toml("neg-zero", "[context.secrets]\nD = -0.0\n")
toml("inf", "[context.secrets]\nD = inf\n")
toml("nan", "[context.secrets]\nD = nan\n")
toml("bool", "[context.secrets]\nD = false\n")
toml("array", "[context.secrets]\nD = [1, 2, 3]\n")
toml("array-strings", "[context.secrets]\nD = [\"a\", 'b']\n")
toml("array-mixed", "[context.secrets]\nD = [1, \"a\"]\n")
toml("array-int-float", "[context.secrets]\nD = [1, 2.0]\n")
toml("array-nested-mixed", "[context.secrets]\nD = [[1], [\"a\"]]\n")
toml("array-of-inline-tables", "[context.secrets]\nD = [{a = 1}, {b = \"x\"}]\n")
toml("array-of-tables", "[[context.secrets.D]]\na = 1\n[[context.secrets.D]]\na = 2\n")
toml("table", "[context.secrets.D]\nkey = \"AK\"\nsecret = \"SK\"\n")
toml("inline-table", "[context.secrets]\nD = {user = \"u\", port = 5432}\n")
toml("empty-inline-table", "[context.secrets]\nD = {}\n")
toml("empty-table", "[context.secrets.D]\n")
toml("dotted-key", "[context.secrets]\nD.x = 1\n")
toml("json-text", "[context.secrets]\nD = '{\"user\": \"u\", \"n\": [1, 2.5]}'\n")
toml("json-number-text", "[context.secrets]\nD = \"42\"\n")
toml("null-text", "[context.secrets]\nD = \"null\"\n")
toml("datetime-offset", "[context.secrets]\nD = 1979-05-27T07:32:00-08:00\n")
toml("datetime-z-fraction", "[context.secrets]\nD = 1979-05-27T07:32:00.5Z\n")
toml("datetime-nanos", "[context.secrets]\nD = 1979-05-27T00:32:00.999999999-07:00\n")
toml("datetime-local", "[context.secrets]\nD = 1979-05-27T07:32:00\n")
toml("date-local", "[context.secrets]\nD = 1979-05-27\n")
toml("time-local", "[context.secrets]\nD = 07:32:00\n")
toml("upper-top-level", "[Context.secrets]\nD = 1\n")
toml("upper-section", "[context.Secrets]\nD = 1\n")
toml("upper-key", "[context.secrets]\nd = 1\n")
toml("quoted-key", "[context.secrets]\n\"D\" = 1\n")
toml("unicode-key", "[context.secrets]\n\"clé\" = 1\n", name="clé")
toml("escape-u", "[context.secrets]\nD = \"\\u00e9\\U0001F600\"\n")
toml("nul-escape", "[context.secrets]\nD = \"a\\u0000b\"\n")
toml("bad-escape", "[context.secrets]\nD = \"\\q\"\n")
toml("surrogate-escape", "[context.secrets]\nD = \"\\ud800\"\n")
toml("toml11-escape-x", "[context.secrets]\nD = \"\\x41\"\n")
toml("toml11-escape-e", "[context.secrets]\nD = \"\\e\"\n")
toml("toml11-inline-newline", "[context.secrets]\nD = {\n  a = 1\n}\n")
toml("toml11-inline-trailing-comma", "[context.secrets]\nD = {a = 1,}\n")
toml("datetime-no-seconds", "[context.secrets]\nD = 1979-05-27T07:32Z\n")
toml("dup-key", "[context.secrets]\nD = 1\nD = 2\n")
toml("leading-zero", "[context.secrets]\nD = 007\n")
toml("unterminated", "[context.secrets]\nD = \"abc\n")
toml("bad-section", "[context.secrets\nD = 1\n")
toml("bom", "\ufeff[context.secrets]\nD = 1\n")
toml("empty-file", "")
toml("interpolates-home", "[context.secrets]\nD = \"$HOME/.ssh/id\"\n")
toml("interpolates-tilde", "[context.secrets]\nD = \"~/x\"\n")
toml("interpolates-twice-typed", "[context.secrets]\nD = \"$A\"\n", env={"A": "$B", "B": "42"})
toml("interpolates-loop-none", "[context.secrets]\nD = \"$A\"\n", env={"A": "x$A"})
toml("int-not-interpolated", "[context.secrets]\nD = 5\n", env={"A": "x"})
toml("ref-own-key", "[context.secrets]\nH = 30.5\nD = \"x${context.secrets.H}\"\n")
toml("ref-own-key-full", "[context.secrets]\nH = 30.5\nD = \"${context.secrets.H}\"\n")
toml("ref-default-invisible", "[context.secrets]\nD = \"x${cloud.heartbeat_interval}\"\n")
toml("ref-default-full-invisible", "[context.secrets]\nD = \"${cloud.api}\"\n")
toml("ref-env-visible", "[context.secrets]\nD = \"${cloud.api}\"\n", env={"PREFECT__CLOUD__API": "http://e:1"})
toml("ref-list", "[context.secrets]\nL = ['a', \"b'c\", 'd\"e', \"\\n\", 1, 1.5, true]\nD = \"x${context.secrets.L}\"\n")
toml("ref-list-of-tables", "[context.secrets]\nL = [{a = 1}]\nD = \"x${context.secrets.L}\"\n")
toml("ref-date", "[context.secrets]\nT = 1979-05-27\nD = \"on ${context.secrets.T}\"\n")
toml("ref-dotted-quoted-key", "[context.secrets]\n\"a.b\" = 1\nD = \"${context.secrets.a.b}\"\n")
toml("ref-table-is-missing", "[context.secrets.T]\nx = 1\n[context.secrets]\nD = \"<${context.secrets.T}>\"\n")
toml("ref-chain-order", "[context.secrets]\nD = \"${context.secrets.B}\"\nB = \"${context.secrets.C}\"\nC = \"end\"\n")
toml("env-overrides", "[context.secrets]\nD = \"file\"\n", env={"PREFECT__CONTEXT__SECRETS__D": "env"})
toml("env-lowercases-over-file", "[context.secrets]\nD = \"file\"\n", env={"PREFECT__CONTEXT__SECRETS__D": "env"}, name="d")
toml("env-adds-beside", "[context.secrets]\nD = \"file\"\n", env={"PREFECT__CONTEXT__SECRETS__E": "env"})
toml("context-set-overrides", "[context.secrets]\nD = \"file\"\n", context_set={"D": "ctx"})
toml("secrets-not-table", "[context]\nsecrets = \"abc\"\n")
toml("secrets-list", "[context]\nsecrets = [1, 2]\n")
toml("context-protected-key", "[context]\nitems = 1\n")
toml("context-list-empty", "context = []\n")
toml("tasks-not-table", "tasks = 1\n[context.secrets]\nD = 1\n")
toml("retry-delay-overflow", "[tasks.defaults]\nretry_delay = 86400000000000\n[context.secrets]\nD = 1\n")
toml("retry-delay-ok", "[tasks.defaults]\nretry_delay = 5\n[context.secrets]\nD = 1\n")
toml("use-local-false-in-file", "[cloud]\nuse_local_secrets = false\napi = \"http://127.0.0.1:9\"\n[context.secrets]\nD = 1\n")
toml("user-config-path-moved", "[context.secrets]\nD = \"default-path\"\n",
     env={"PREFECT__USER_CONFIG_PATH": "{HOME}/alt.toml"})
toml("user-config-path-moved-var", "[context.secrets]\nD = \"default-path\"\n",
     env={"PREFECT__USER_CONFIG_PATH": "$HOME/alt.toml"})
toml("user-config-path-default-home", "[context.secrets]\nD = \"home-file\"\n",
     env={"PREFECT__USER_CONFIG_PATH": "$HOME/.prefect/config.toml"})
toml("user-config-path-empty", "[context.secrets]\nD = 1\n", env={"PREFECT__USER_CONFIG_PATH": ""})
toml("user-config-path-dir", "[context.secrets]\nD = 1\n", env={"PREFECT__USER_CONFIG_PATH": "{HOME}"})
toml("user-config-path-int", "[context.secrets]\nD = 1\n", env={"PREFECT__USER_CONFIG_PATH": "5"})
toml("user-config-path-float", "[context.secrets]\nD = 1\n", env={"PREFECT__USER_CONFIG_PATH": "5.5"})
toml("user-file-sets-path-ignored", "user_config_path = \"/nowhere\"\n[context.secrets]\nD = 1\n")
toml("merge-keeps-defaults", "[cloud]\nheartbeat_interval = 1.0\n[context.secrets]\nD = \"${cloud.api}\"\n")

# --- section 3: the ABI's setters ---------------------------------------------------------
case("setter-context-over-env", context_set={"s": "ctx"}, env={S: "env"})
case("setter-context-json", context_set={"s": "{\"a\": [1, {\"b\": null}]}"})
case("setter-use-local-true-over-file", context_set={"s": "v"},
     user_config="[cloud]\nuse_local_secrets = false\napi = \"http://127.0.0.1:9\"\n", config_set={"use_local_secrets": True})
case("setter-secrets-not-table", context_set={"s": "v"}, env={"PREFECT__CONTEXT__SECRETS": "abc"})
case("setter-context-creates-table", context_set={"s": "v"}, env={"PREFECT__CONTEXT__OTHER": "1"})

# --- section 4: the server path -----------------------------------------------------------
NO_TOKEN = {"PREFECT__CLOUD__AUTH_TOKEN": None}
cloud("string", [ok("s3cr3t")])
cloud("long-value", [ok("v" * 300)])
cloud("json-text-not-decoded", [ok("{\"a\": 1}")])
cloud("int", [ok(42)])
cloud("float", [ok(1.5)])
cloud("bool", [ok(False)])
cloud("list", [ok([1, "a", None])])
cloud("nested", [ok({"db": {"hosts": ["a"], "port": 5432}})])
cloud("object-keys-key", [ok({"keys": 1, "get": 2})])
cloud("object-items-key", [ok({"items": 1})])
cloud("nested-items-key", [ok({"a": [{"items": []}]})])
cloud("empty-string", [ok("")])
cloud("unicode", [ok("\u00e9t\u00e9 \u2603 \U0001F600")])
cloud("nan-raw", [{"status": 200, "raw": "{\"data\": {\"secretValue\": NaN}}"}])
cloud("big-int-raw", [{"status": 200, "raw": "{\"data\": {\"secretValue\": 123456789012345678901234567890}}"}])
cloud("int-4301-raw", [{"status": 200, "raw": "{\"data\": {\"secretValue\": " + "7" * 4301 + "}}"}])
cloud("dup-keys-raw", [{"status": 200, "raw": "{\"data\": {\"secretValue\": 1, \"secretValue\": 2}}"}])
cloud("null", [ok(None)])
cloud("errors-with-data", [{"status": 200, "body": {"data": {"secretValue": "x"}, "errors": [{"message": "m"}]}}])
cloud("errors-null", [{"status": 200, "body": {"data": {"secretValue": "x"}, "errors": None}}])
cloud("errors-empty-list", [{"status": 200, "body": {"errors": []}}])
cloud("data-missing", [{"status": 200, "body": {"other": 1}}])
cloud("data-null", [{"status": 200, "body": {"data": None}}])
cloud("data-list", [{"status": 200, "body": {"data": [1]}}])
cloud("data-string", [{"status": 200, "body": {"data": "x"}}])
cloud("secret-value-missing", [{"status": 200, "body": {"data": {}}}])
cloud("reply-list", [{"status": 200, "body": [1, 2]}])
cloud("reply-list-errors", [{"status": 200, "body": ["errors"]}])
cloud("reply-string", [{"status": 200, "body": "errors here"}])
cloud("reply-number", [{"status": 200, "body": 5}])
cloud("reply-null", [{"status": 200, "raw": "null"}])
cloud("reply-empty", [{"status": 200, "raw": ""}])
cloud("reply-whitespace", [{"status": 200, "raw": "  "}])
cloud("reply-not-json", [{"status": 200, "raw": "<html>oops</html>"}])
cloud("reply-trailing-garbage", [{"status": 200, "raw": "{\"data\": {\"secretValue\": 1}} x"}])
for status in [201, 204, 299, 302, 304, 399, 400, 403, 404, 418, 500, 502, 503, 599, 600, 799]:
    cloud("status-%d" % status, [{"status": status, "body": {"data": {"secretValue": "st"}}}])
cloud("401-refresh-retry", [{"status": 401, "raw": ""}, ok("after")])
cloud("401-twice", [{"status": 401, "raw": ""}, {"status": 401, "raw": ""}])
cloud("401-then-500", [{"status": 401, "raw": ""}, {"status": 500, "raw": ""}])
cloud("401-refresh-no-token", [{"status": 401, "raw": ""}, ok("x")], server={"refresh": {"status": 200, "body": {}}})
cloud("401-refresh-null-token", [{"status": 401, "raw": ""}, ok("x")], server={"refresh": {"status": 200, "body": {"token": None}}})
cloud("401-refresh-int-token", [{"status": 401, "raw": ""}, ok("x")], server={"refresh": {"status": 200, "body": {"token": 5}}})
cloud("401-refresh-object-token", [{"status": 401, "raw": ""}, ok("x")], server={"refresh": {"status": 200, "body": {"token": {"a": True}}}})
cloud("401-refresh-500-with-token", [{"status": 401, "raw": ""}, ok("x")], server={"refresh": {"status": 500, "body": {"token": "t5"}}})
cloud("401-refresh-not-json", [{"status": 401, "raw": ""}, ok("x")], server={"refresh": {"status": 200, "raw": "nope"}})
cloud("401-refresh-empty", [{"status": 401, "raw": ""}, ok("x")], server={"refresh": {"status": 200, "raw": ""}})
cloud("401-refresh-list", [{"status": 401, "raw": ""}, ok("x")], server={"refresh": {"status": 200, "body": ["token"]}})
cloud("401-refresh-newline-token", [{"status": 401, "raw": ""}, ok("x")], server={"refresh": {"status": 200, "body": {"token": "a\nb"}}})
cloud("401-slash-url", [{"status": 401, "raw": ""}, ok("x")], env={"PREFECT__CLOUD__GRAPHQL": "{SERVER}/graphql/alpha/"})
cloud("url-trailing-slashes", [ok("x")], env={"PREFECT__CLOUD__GRAPHQL": "{SERVER}/graphql/alpha///"})
cloud("url-api-trailing-slash", [ok("x")], env={"PREFECT__CLOUD__API": "{SERVER}/"})
cloud("url-root", [ok("x")], env={"PREFECT__CLOUD__GRAPHQL": "{SERVER}"})
cloud("url-empty", [ok("x")], env={"PREFECT__CLOUD__GRAPHQL": ""})
cloud("url-no-scheme", [ok("x")], env={"PREFECT__CLOUD__GRAPHQL": "127.0.0.1:9/graphql"})
cloud("url-int", [ok("x")], env={"PREFECT__CLOUD__GRAPHQL": "5"})
cloud("url-int-no-token", [ok("x")], env={"PREFECT__CLOUD__GRAPHQL": "5", **NO_TOKEN})
cloud("url-refused-port", [ok("x")], env={"PREFECT__CLOUD__GRAPHQL": "http://127.0.0.1:9/graphql"})
cloud("url-from-user-file", [ok("file-url")], env={"PREFECT__CLOUD__API": None},
      user_config="[cloud]\ngraphql = \"{SERVER}/graphql/alpha\"\n")
cloud("user-file-api-does-not-move-graphql", [ok("x")], env={"PREFECT__CLOUD__API": None},
      user_config="[cloud]\napi = \"{SERVER}\"\n")
cloud("all-in-user-file", [ok("file")], env={k: None for k in CLOUD},
      user_config="[cloud]\nuse_local_secrets = false\ngraphql = \"{SERVER}/graphql/alpha\"\nauth_token = \"ft\"\n")
cloud("token-int", [ok("x")], env={"PREFECT__CLOUD__AUTH_TOKEN": "42"})
cloud("token-float", [ok("x")], env={"PREFECT__CLOUD__AUTH_TOKEN": "1.5"})
cloud("token-bool", [ok("x")], env={"PREFECT__CLOUD__AUTH_TOKEN": "true"})
cloud("token-table", [ok("x")], env=NO_TOKEN, user_config="[cloud.auth_token]\nb = 1\na = 2\n")
cloud("token-list", [ok("x")], env=NO_TOKEN, user_config="[cloud]\nauth_token = [1, 'a']\n")
cloud("token-escaped-newline", [ok("x")], env={"PREFECT__CLOUD__AUTH_TOKEN": "a\\nb"})
cloud("token-setter", [ok("x")], config_set={"auth_token": "from-setter"})
cloud("token-setter-over-file", [ok("x")], env=NO_TOKEN, credentials="file", config_set={"auth_token": "setter"})
cloud("credentials-file", [ok("v")], env=NO_TOKEN, credentials="file-token")
cloud("credentials-newline", [ok("v")], env=NO_TOKEN, credentials="file-token\n")
cloud("credentials-crlf", [ok("v")], env=NO_TOKEN, credentials="file-token\r\n")
cloud("credentials-empty", [ok("v")], env=NO_TOKEN, credentials="")
cloud("credentials-spaces", [ok("v")], env=NO_TOKEN, credentials="  tok  ")
cloud("no-token", [ok("v")], env=NO_TOKEN)
cloud("no-token-context-ignored", [ok("v")], env=NO_TOKEN, context_set={"DB": "local"})
cloud("use-local-setter-false", [ok("remote")], env={"PREFECT__CLOUD__USE_LOCAL_SECRETS": "true"},
      config_set={"use_local_secrets": False}, context_set={"DB": "local"})
cloud("flow-building", [ok("x")], flow_building=True)
cloud("name-unicode", [ok("x")], name="cl\u00e9 \"q\"")
cloud("name-empty", [ok("x")], name="")
cloud("logging-level-lower", [ok("x")], env={"PREFECT__LOGGING__LEVEL": "debug"})
cloud("logging-level-int", [ok("x")], env={"PREFECT__LOGGING__LEVEL": "10"})
cloud("logging-level-warn", [ok("x")], env={"PREFECT__LOGGING__LEVEL": "WARN"})
cloud("logging-level-float", [ok("x")], env={"PREFECT__LOGGING__LEVEL": "1.5"})
cloud("logging-format-plain", [ok("x")], env={"PREFECT__LOGGING__FORMAT": "plain"})
cloud("logging-format-braces", [ok("x")], env={"PREFECT__LOGGING__FORMAT": "{message}"})
cloud("logging-format-field", [ok("x")], env={"PREFECT__LOGGING__FORMAT": "%(message)s"})
cloud("logging-format-empty", [ok("x")], env={"PREFECT__LOGGING__FORMAT": ""})
cloud("logging-format-int", [ok("x")], env={"PREFECT__LOGGING__FORMAT": "5"})
cloud("logging-not-table", [ok("x")], env={"PREFECT__LOGGING": "x"})

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1, ensure_ascii=True)
        f.write("\n")
    print(len(cases), "cases")
    if "--refresh" in sys.argv[1:]:
        subprocess.run([sys.executable, os.path.join(here, "refresh.py"), "cases.json"], check=True)
