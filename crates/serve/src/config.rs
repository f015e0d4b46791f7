//! The service's configuration: a TOML file (`serve.example.toml` documents every key), with
//! command-line overrides applied by the caller. Unknown keys are refused, so that a typo in a
//! token or a path cannot silently leave the service open or keep prompts it was told not to.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hydrascope_engine::{EVIDENCE_SPILL, EvidenceLimits};
use serde::Deserialize;

use crate::broker::BrokerConfig;
use crate::error::ServeError;

/// The environment variable that holds the bearer token when the configuration names none.
pub const TOKEN_VARIABLE: &str = "HYDRASCOPE_TOKEN";
/// Where the service listens by default: the loopback interface only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
/// Where the service keeps its state by default.
pub const DEFAULT_DATA_DIR: &str = "hydrascope-data";

/// The store's page cache by default, in MiB. Reads of the store are rare (audit log,
/// overrides, recovery at start) and writes append, so a small cache costs little.
pub const DEFAULT_STORE_CACHE_MIB: usize = 64;

/// What a bearer token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `POST /v1/events`.
    Ingest,
    /// `POST /v1/check`: the gateway's hot path.
    Check,
    /// Reading scores, evidence (which quotes prompts), campaigns and the audit log.
    Read,
    /// Overrides and policy reloads.
    Admin,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// The response policy file; the built-in default policy without one.
    pub policy: Option<PathBuf>,
    /// How often detection re-scores every account in the background.
    pub rescore_every: Duration,
    /// Whether prompt text is kept. Without it, each event's prompt is replaced by its sketch
    /// and its system prompt by a digest before anything is stored.
    pub store_prompts: bool,
    /// The store's page cache, in bytes.
    pub store_cache_bytes: usize,
    pub tokens: Tokens,
    /// Where events are also consumed from, if anywhere.
    pub broker: Option<BrokerConfig>,
    /// Partners' campaigns to recognise (`hydrascope indicators import`), if any.
    pub indicators: Option<PathBuf>,
    pub evidence: EvidenceConfig,
}

/// How the values behind the campaigns' evidence are read from the stored events (the
/// `[evidence]` table; see [`crate::evidence`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvidenceConfig {
    /// The least time between two reads: each reads every stored event once.
    pub every: Duration,
    /// What one read may hold in memory and spill to disk.
    pub limits: EvidenceLimits,
}

/// The `[evidence]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceFile {
    every_secs: Option<f64>,
    memory_mib: Option<usize>,
    spill_mib: Option<u64>,
}

/// The least time between two reads of the evidence by default, in seconds.
pub const DEFAULT_EVIDENCE_EVERY_SECS: f64 = 300.0;
/// Memory one read of the evidence may hold by default, in MiB: a quarter of the batch
/// scan's, since the service's detection state lives beside it.
pub const DEFAULT_EVIDENCE_MEMORY_MIB: usize = 1024;

impl EvidenceFile {
    fn validate(self) -> Result<EvidenceConfig, String> {
        let every = self.every_secs.unwrap_or(DEFAULT_EVIDENCE_EVERY_SECS);
        if !(1.0..=7.0 * 86_400.0).contains(&every) {
            return Err(format!(
                "`evidence.every_secs` must lie between 1 and 604800, got {every}"
            ));
        }
        let memory = self.memory_mib.unwrap_or(DEFAULT_EVIDENCE_MEMORY_MIB);
        let spill = self.spill_mib.unwrap_or(EVIDENCE_SPILL >> 20);
        if memory == 0 || memory > 1 << 20 {
            return Err(format!(
                "`evidence.memory_mib` must lie between 1 and 1048576, got {memory}"
            ));
        }
        Ok(EvidenceConfig {
            every: Duration::from_secs_f64(every),
            limits: EvidenceLimits {
                memory: memory << 20,
                spill: spill.saturating_mul(1 << 20),
            },
        })
    }
}

/// Bearer tokens per role. A token listed under `all` has every role.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tokens {
    #[serde(default)]
    pub all: Vec<String>,
    #[serde(default)]
    pub ingest: Vec<String>,
    #[serde(default)]
    pub check: Vec<String>,
    #[serde(default)]
    pub read: Vec<String>,
    #[serde(default)]
    pub admin: Vec<String>,
}

impl Tokens {
    /// Whether `token` grants `role`. Tokens are compared in full.
    pub fn allows(&self, token: &str, role: Role) -> bool {
        let of_role = match role {
            Role::Ingest => &self.ingest,
            Role::Check => &self.check,
            Role::Read => &self.read,
            Role::Admin => &self.admin,
        };
        self.all.iter().chain(of_role).any(|t| t == token)
    }

    fn is_empty(&self) -> bool {
        [
            &self.all,
            &self.ingest,
            &self.check,
            &self.read,
            &self.admin,
        ]
        .iter()
        .all(|tokens| tokens.is_empty())
    }
}

/// The configuration file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    policy: Option<PathBuf>,
    rescore_every_secs: Option<f64>,
    #[serde(default)]
    store_prompts: bool,
    store_cache_mib: Option<usize>,
    #[serde(default)]
    tokens: Tokens,
    broker: Option<BrokerConfig>,
    indicators: Option<PathBuf>,
    #[serde(default)]
    evidence: EvidenceFile,
}

impl Config {
    /// Reads the configuration file, if any, and applies the defaults. `token_from_env` is
    /// the value of [`TOKEN_VARIABLE`], which grants every role when the file lists no token.
    pub fn load(file: Option<&Path>, token_from_env: Option<String>) -> Result<Config, ServeError> {
        let parsed = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ServeError::Io {
                    context: format!("reading the configuration {}", path.display()),
                    source,
                })?;
                toml::from_str::<ConfigFile>(&text).map_err(|error| ServeError::Config {
                    path: path.to_owned(),
                    message: error.to_string(),
                })?
            }
            None => ConfigFile::default(),
        };
        let config_error = |message: String| ServeError::Config {
            path: file.map(Path::to_owned).unwrap_or_default(),
            message,
        };
        let listen = parsed.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listen: SocketAddr = listen
            .parse()
            .map_err(|_| config_error(format!("`listen` is not an address:port: {listen}")))?;
        let rescore_every = parsed.rescore_every_secs.unwrap_or(10.0);
        if !(0.05..=86_400.0).contains(&rescore_every) {
            return Err(config_error(format!(
                "`rescore_every_secs` must lie between 0.05 and 86400, got {rescore_every}"
            )));
        }
        let store_cache_mib = parsed.store_cache_mib.unwrap_or(DEFAULT_STORE_CACHE_MIB);
        if !(1..=1 << 20).contains(&store_cache_mib) {
            return Err(config_error(format!(
                "`store_cache_mib` must lie between 1 and 1048576, got {store_cache_mib}"
            )));
        }
        if let Some(broker) = &parsed.broker {
            broker.validate().map_err(config_error)?;
        }
        let evidence = parsed.evidence.validate().map_err(config_error)?;
        let mut tokens = parsed.tokens;
        if tokens.is_empty() {
            match token_from_env.filter(|t| !t.trim().is_empty()) {
                Some(token) => tokens.all.push(token),
                None => return Err(ServeError::NoToken),
            }
        }
        Ok(Config {
            listen,
            data_dir: parsed
                .data_dir
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            policy: parsed.policy,
            rescore_every: Duration::from_secs_f64(rescore_every),
            store_prompts: parsed.store_prompts,
            store_cache_bytes: store_cache_mib << 20,
            tokens,
            broker: parsed.broker,
            indicators: parsed.indicators,
            evidence,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str, env: Option<&str>) -> Result<Config, ServeError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("serve.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(Some(&path), env.map(str::to_owned))
    }

    #[test]
    fn without_a_file_it_listens_on_loopback_with_the_token_from_the_environment() {
        let config = Config::load(None, Some("s3cret".into())).unwrap();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(config.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        assert!(!config.store_prompts);
        assert!(config.tokens.allows("s3cret", Role::Admin));
        assert!(!config.tokens.allows("s3cre", Role::Check));
    }

    #[test]
    fn it_refuses_to_start_without_any_token() {
        assert!(matches!(Config::load(None, None), Err(ServeError::NoToken)));
        assert!(matches!(
            Config::load(None, Some("  ".into())),
            Err(ServeError::NoToken)
        ));
    }

    #[test]
    fn roles_are_separate_and_the_file_overrides_the_environment() {
        let config = load_text(
            "[tokens]\ncheck = [\"gateway\"]\nadmin = [\"ops\"]\n",
            Some("from-env"),
        )
        .unwrap();
        assert!(config.tokens.allows("gateway", Role::Check));
        assert!(!config.tokens.allows("gateway", Role::Read));
        assert!(config.tokens.allows("ops", Role::Admin));
        assert!(!config.tokens.allows("from-env", Role::Check));
    }

    #[test]
    fn the_commented_example_in_the_repository_is_the_default() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../serve.example.toml");
        let config = Config::load(Some(&example), Some("t".into())).unwrap();
        let default = Config::load(None, Some("t".into())).unwrap();
        assert_eq!(config.listen, default.listen);
        assert_eq!(config.data_dir, default.data_dir);
        assert_eq!(config.rescore_every, default.rescore_every);
        assert_eq!(config.store_prompts, default.store_prompts);
        assert_eq!(config.store_cache_bytes, default.store_cache_bytes);
        assert_eq!(config.evidence, default.evidence);
        assert!(config.broker.is_none());
    }

    #[test]
    fn the_evidence_table_is_read_and_checked() {
        let config = load_text(
            "[evidence]
every_secs = 60
memory_mib = 256
",
            Some("t"),
        )
        .unwrap();
        assert_eq!(config.evidence.every, Duration::from_secs(60));
        assert_eq!(config.evidence.limits.memory, 256 << 20);
        assert_eq!(config.evidence.limits.spill, EVIDENCE_SPILL);
        let refused = load_text(
            "[evidence]
every_secs = 0.1
",
            Some("t"),
        )
        .unwrap_err();
        assert!(refused.to_string().contains("every_secs"), "{refused}");
        let refused = load_text(
            "[evidence]
memory = 256
",
            Some("t"),
        )
        .unwrap_err();
        assert!(refused.to_string().contains("memory"), "{refused}");
    }

    #[test]
    fn a_broker_section_is_read_with_its_defaults_and_checked() {
        let config = load_text(
            "[broker]\nurl = \"nats://127.0.0.1:4222\"\nstream = \"events\"\nsubject = \"hs.events\"\n",
            Some("t"),
        )
        .unwrap();
        let broker = config.broker.unwrap();
        assert_eq!(
            (broker.consumer.as_str(), broker.batch),
            ("hydrascope-serve", 500)
        );
        let error = load_text(
            "[broker]\nurl = \"nats://127.0.0.1:4222\"\nstream = \"a.b\"\nsubject = \"s\"\n",
            Some("t"),
        )
        .unwrap_err();
        assert!(error.to_string().contains("stream"), "{error}");
        let error = load_text(
            "[broker]\nurl = \"nats://h:1\"\nstream = \"e\"\nsubject = \"s\"\nbatch = 0\n",
            Some("t"),
        )
        .unwrap_err();
        assert!(error.to_string().contains("batch"), "{error}");
    }

    #[test]
    fn a_typo_is_refused_with_the_key_named() {
        let error = load_text("store_prompt = true\n", Some("t")).unwrap_err();
        assert!(error.to_string().contains("store_prompt"), "{error}");
        let error = load_text("listen = \"localhost\"\n", Some("t")).unwrap_err();
        assert!(error.to_string().contains("listen"), "{error}");
    }
}
