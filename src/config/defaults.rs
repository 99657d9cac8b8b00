//! Prefect 0.5.3's bundled default configuration: the same keys and values as its
//! `config.toml`. Values may reference these keys (`${cloud.api}`), so all of them matter.

pub const DEFAULT_CONFIG: &str = r#"
user_config_path = "$HOME/.prefect/config.toml"
debug = false

[cloud]
api = "http://api-staging.prefect.io"
graphql = "${cloud.api}/graphql/alpha"
log = "${cloud.api}/log"
result_handler = "${cloud.api}/result-handler"
use_local_secrets = true
heartbeat_interval = 30.0

[logging]
level = "INFO"
format = "[%(asctime)s] %(levelname)s - %(name)s | %(message)s"
log_to_cloud = false

[flows]
eager_edge_validation = false
run_on_schedule = true

[tasks]
    [tasks.defaults]
    checkpoint = false
    max_retries = false
    retry_delay = false

[engine]
    [engine.executor]
    default_class = "prefect.engine.executors.SynchronousExecutor"
        [engine.executor.dask]
        address = "local"
        local_processes = false
    [engine.flow_runner]
    default_class = "prefect.engine.flow_runner.FlowRunner"
    [engine.result_handler]
    default_class = "prefect.engine.cloud.CloudResultHandler"
    [engine.task_runner]
    default_class = "prefect.engine.task_runner.TaskRunner"
"#;
