//! The hub's HTTP layer on loopback: clients that send slowly or hold connections open are cut off
//! by the hub's own time limits while others are served, oversized bodies are refused before they
//! are read, and `/healthz` and `/metrics` answer.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rempart_hub::http::{ServerLimits, spawn};
use rempart_hub::{Hub, Limits, MemStore};

fn server(limits: ServerLimits, hub_limits: Limits) -> rempart_hub::http::Server {
    let hub = Arc::new(Hub::new(Arc::new(MemStore::default()), hub_limits).with_open_signup());
    spawn("127.0.0.1:0".parse().unwrap(), hub, limits).expect("start the hub")
}

/// Sends raw bytes and reads the whole answer (the hub closes or answers within its limits).
fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    // A bound on the test itself, not a synchronisation: the hub answers long before.
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn health_and_metrics_answer() {
    let server = server(ServerLimits::default(), Limits::default());
    let health = exchange(server.addr, b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.to_ascii_lowercase().contains("x-request-id:"), "{health}");
    let metrics = exchange(server.addr, b"GET /metrics HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert!(metrics.contains("# TYPE rempart_hub_requests_total counter"), "{metrics}");
    let unknown = exchange(server.addr, b"GET /nothing HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert!(unknown.starts_with("HTTP/1.1 404"), "{unknown}");
    server.stop();
}

#[test]
fn slow_and_idle_clients_are_cut_off_and_others_are_served() {
    let limits = ServerLimits {
        connections_max: 4,
        header_timeout: Duration::from_millis(300),
        body_timeout: Duration::from_millis(300),
    };
    let server = server(limits, Limits::default());
    // Four clients take every connection and send half a header, then nothing.
    let mut idle: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut stream = TcpStream::connect(server.addr).unwrap();
            stream.write_all(b"GET /healthz HTTP/1.1\r\nhost:").unwrap();
            stream
        })
        .collect();
    // A well-behaved client is still served: the idle ones are cut at their header time limit.
    let health = exchange(server.addr, b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    for stream in &mut idle {
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        assert!(!String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 200"), "an idle client got an answer");
    }
    // A body announced but never sent: 408 once the body time limit passes.
    let slow = exchange(
        server.addr,
        b"PUT /v1/t/00000000000000000000000000000000/batches HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\nabc",
    );
    assert!(slow.starts_with("HTTP/1.1 408"), "{slow}");
    assert!(slow.contains("too slowly"), "{slow}");
    server.stop();
}

#[test]
fn oversized_bodies_are_refused_before_they_are_read() {
    let server = server(ServerLimits::default(), Limits { body_bytes_max: 1000, ..Limits::default() });
    let announced = exchange(
        server.addr,
        b"PUT /v1/t/00000000000000000000000000000000/batches HTTP/1.1\r\nhost: x\r\ncontent-length: 50000000\r\nconnection: close\r\n\r\n",
    );
    assert!(announced.starts_with("HTTP/1.1 413"), "{announced}");
    let mut chunked = b"PUT /v1/t/00000000000000000000000000000000/batches HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n".to_vec();
    for _ in 0..3 {
        chunked.extend_from_slice(b"3e8\r\n");
        chunked.extend_from_slice(&[b'a'; 1000]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let streamed = exchange(server.addr, &chunked);
    assert!(streamed.starts_with("HTTP/1.1 413"), "{streamed}");
    // Malformed requests get a clear status too.
    let garbage = exchange(server.addr, b"\x00\x01\x02 not http\r\n\r\n");
    assert!(garbage.is_empty() || garbage.starts_with("HTTP/1.1 400"), "{garbage}");
    server.stop();
}
