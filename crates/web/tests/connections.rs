//! The HTTP server's connection limits (`web::server`, issue 10 item 4), seen from raw
//! TCP clients on loopback: half-sent and silent connections are closed, an idle
//! keep-alive connection is closed, a body that trickles in gets 408, and while all that
//! goes on other people's requests stay fast. Beyond the connection cap, new connections
//! wait and are served when a place frees.

mod common;

use common::*;
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn addr(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection, or `within` passes; returns what was
/// read, or `None` if the connection was still open at the end.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        let mut buf = [0u8; 4096];
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(seen),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn half_sent_and_silent_connections_are_closed_and_others_stay_fast() {
    let app = spawn_with(|c| c.limits.header_read_timeout = Duration::from_secs(1)).await;
    let started = Instant::now();
    let mut slow = Vec::new();
    for i in 0..40 {
        let mut s = TcpStream::connect(addr(&app)).await.expect("connect");
        if i % 2 == 0 {
            // Half a request head, never finished.
            s.write_all(b"GET /sign-in HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
                .await
                .expect("write");
        }
        slow.push(s);
    }
    // Someone else's requests meanwhile are answered at once.
    for _ in 0..5 {
        let t = Instant::now();
        let res = app
            .client
            .get(app.url("/sign-in"))
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            t.elapsed() < Duration::from_millis(800),
            "a normal request took {:?} beside 40 slow connections",
            t.elapsed()
        );
    }
    for (i, s) in slow.iter_mut().enumerate() {
        let left = Duration::from_secs(6).saturating_sub(started.elapsed());
        assert!(
            closed_within(s, left).await.is_some(),
            "slow connection {i} was still open after 6 s"
        );
    }
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = spawn_with(|c| c.limits.header_read_timeout = Duration::from_secs(1)).await;
    let mut s = TcpStream::connect(addr(&app)).await.expect("connect");
    s.write_all(b"GET /sign-in HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    // The answer comes, and then the connection is kept for the next request only
    // briefly.
    let mut buf = vec![0u8; 64 * 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("an answer")
        .expect("read");
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n.min(80)])
    );
    assert!(
        closed_within(&mut s, Duration::from_secs(5))
            .await
            .is_some(),
        "an idle keep-alive connection was still open after 5 s"
    );
}

#[tokio::test]
async fn a_form_body_that_trickles_in_gets_408_and_changes_nothing() {
    let app = spawn_with(|c| c.limits.body_read_timeout = Duration::from_secs(1)).await;
    let scope = app.provider("DMO1").await;
    let (appt, _) = app.scheduled_appointment(scope).await;
    let before = app.status(scope, appt).await;
    let browser = app.sign_in(CLINICAL_A).await;
    let body = format!("csrf_token={}&filter=remaining", browser.csrf);
    let mut s = TcpStream::connect(addr(&app)).await.expect("connect");
    let head = format!(
        "POST /appointments/{appt}/check-in HTTP/1.1\r\nHost: localhost\r\nCookie: {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        browser.cookie,
        body.len() + 100
    );
    s.write_all(head.as_bytes()).await.expect("head");
    s.write_all(&body.as_bytes()[..10])
        .await
        .expect("some of the body");
    let answer = closed_within(&mut s, Duration::from_secs(6))
        .await
        .expect("answered and closed");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    assert_eq!(app.status(scope, appt).await, before, "nothing changed");
}

#[tokio::test]
async fn a_form_over_the_size_limit_gets_413() {
    let app = spawn().await;
    let browser = app.sign_in(CLINICAL_A).await;
    let big = "x".repeat(300 * 1024);
    let res = app
        .post_form(
            &browser,
            "/sign-out",
            &[("csrf_token", browser.csrf.as_str()), ("padding", &big)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn beyond_the_connection_cap_new_clients_wait_for_a_place() {
    let app = spawn_with(|c| {
        c.limits.header_read_timeout = Duration::from_secs(2);
        c.limits.max_connections = 4;
    })
    .await;
    let mut hogs = Vec::new();
    for _ in 0..4 {
        hogs.push(TcpStream::connect(addr(&app)).await.expect("connect"));
    }
    // Let the server accept all four.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = Instant::now();
    let res = app
        .client
        .get(app.url("/sign-in"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("served once a place frees");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        t.elapsed() >= Duration::from_millis(1000),
        "served at once ({:?}) although four connections held every place",
        t.elapsed()
    );
    drop(hogs);
}
