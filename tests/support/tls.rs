//! A throwaway certificate authority and a server certificate for `localhost` and
//! 127.0.0.1, generated per test run.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// A host name that never resolves (RFC 6761 `.invalid`), in the server certificate, so a
/// test proves a request went through a proxy: a direct connection cannot find it.
pub const PROXIED_HOST: &str = "prefect.invalid";

pub struct TestPki {
    /// The CA certificate in PEM, for `cloud.ca_bundle`.
    pub ca_pem: String,
    pub server: Arc<rustls::ServerConfig>,
}

pub fn make_pki() -> TestPki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().unwrap();
    let server_params = CertificateParams::new(vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        // A name that never resolves: reached only through a (test) proxy.
        PROXIED_HOST.to_string(),
    ])
    .unwrap();
    let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![server_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        )
        .unwrap();
    TestPki {
        ca_pem: ca_cert.pem(),
        server: Arc::new(config),
    }
}
