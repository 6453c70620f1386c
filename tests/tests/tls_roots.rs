//! Trusting only the network's own CA (P-F12): the sync client pinned to a CA reaches an HTTPS
//! server whose certificate that CA signed, and the default platform verifier refuses the same
//! server. The server is a minimal TLS listener on 127.0.0.1 answering every request with 401.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use std::sync::Arc;
use techo_core::Error;
use techo_core::keys::MemoryKeyStore;
use techo_core::store::Store;
use techo_core::sync::EngineConfig;
use techo_core::sync::client::{SyncClient, TrustedRoots};
use techo_tests::harness::rt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Pki {
    ca_pem: String,
    leaf: rustls::pki_types::CertificateDer<'static>,
    leaf_key: rustls::pki_types::PrivateKeyDer<'static>,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "Test HM network CA");
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().expect("server key");
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("server params")
        .signed_by(&leaf_key, &issuer)
        .expect("server certificate");
    Pki {
        ca_pem: ca_cert.pem(),
        leaf: leaf.der().clone(),
        leaf_key: rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
    }
}

/// Accepts TLS connections and answers each request with a JSON 401, until the test ends.
fn serve_tls(pki: &Pki) -> u16 {
    techo_core::sync::client::install_crypto_provider();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf.clone()], pki.leaf_key.clone_key())
        .expect("server TLS config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = rt().block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    rt().spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let mut buf = vec![0u8; 16 * 1024];
                let _ = tls.read(&mut buf).await;
                let body = br#"{"code":"invalid_credentials","message":"no"}"#;
                let head = format!(
                    "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes()).await;
                let _ = tls.write_all(body).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn login(port: u16, roots: &TrustedRoots) -> techo_core::Result<()> {
    let dir = tempfile::tempdir().expect("device dir");
    let keys = Arc::new(MemoryKeyStore::new());
    let store = Arc::new(Store::open(dir.path().join("techo.db"), keys.as_ref()).expect("store"));
    let url = format!("https://localhost:{port}");
    let client = SyncClient::with_roots(store, keys, &url, EngineConfig::default(), roots)?;
    rt().block_on(client.login("KT000001", "password-1")).map(|_| ())
}

#[test]
fn a_client_pinned_to_the_network_ca_reaches_its_server_and_no_other_verifier_does() {
    let network = pki();
    let port = serve_tls(&network);
    // Through TLS to the server's verdict: the password is wrong, so the handshake worked.
    match login(port, &TrustedRoots::Only(network.ca_pem.clone())) {
        Err(Error::Auth { .. }) => {}
        other => panic!("the pinned client should reach the server, got {other:?}"),
    }
    // The operating system does not know our CA: no answer is ever read.
    match login(port, &TrustedRoots::Platform) {
        Err(Error::Network { .. }) => {}
        other => panic!("the platform verifier should refuse an unknown CA, got {other:?}"),
    }
    // Pinned to another CA: refused as well.
    match login(port, &TrustedRoots::Only(pki().ca_pem)) {
        Err(Error::Network { .. }) => {}
        other => panic!("a client pinned to another CA must not connect, got {other:?}"),
    }
}

#[test]
fn unreadable_trusted_roots_are_refused_up_front() {
    let dir = tempfile::tempdir().expect("device dir");
    let keys = Arc::new(MemoryKeyStore::new());
    let store = Arc::new(Store::open(dir.path().join("techo.db"), keys.as_ref()).expect("store"));
    for bad in ["", "not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"] {
        let result = SyncClient::with_roots(
            store.clone(),
            keys.clone(),
            "https://localhost:1",
            EngineConfig::default(),
            &TrustedRoots::Only(bad.into()),
        );
        assert!(matches!(result, Err(Error::InvalidConfig { .. })), "{bad:?} was accepted");
    }
}
