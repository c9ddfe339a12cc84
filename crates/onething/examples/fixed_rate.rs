//! A constant-rate load generator for `bench/load.sh` (`RATE=…`): sends one request
//! every 1/rate seconds whatever the server's answers take, and measures each
//! latency from the moment the request was due, not from when it went out, so a
//! server that falls behind shows its queueing in the percentiles (no coordinated
//! omission, the flaw of closed-loop generators such as wrk at a fixed rate).
//!
//! ```text
//! BODY_FILE=body CONTENT_TYPE='multipart/form-data; boundary=…' TOKEN=… KEY_PREFIX=run1 \
//!   cargo run --release -p onething --example fixed_rate -- http://127.0.0.1:18089/api/v1/cases 1000 15
//! ```
//!
//! Prints the same `RESULT requests=… errors=… rate=…/s p50=… p90=… p99=… max=…`
//! line as `bench/submit.lua`, and `late=` for requests the generator itself could
//! not send within a millisecond of their time (then the figures say more about
//! this machine than about the server).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// Requests in flight at most; a request due beyond that counts as an error.
const MAX_IN_FLIGHT: u64 = 2048;

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, rate, seconds] = args.as_slice() else {
        anyhow::bail!("usage: fixed_rate URL RATE_PER_SECOND SECONDS (BODY_FILE, CONTENT_TYPE, TOKEN, KEY_PREFIX in the environment)");
    };
    let rate: f64 = rate.parse()?;
    let seconds: f64 = seconds.parse()?;
    anyhow::ensure!(rate > 0.0 && seconds > 0.0, "the rate and the duration must be positive");
    let body = std::fs::read(std::env::var("BODY_FILE")?)?;
    let content_type = std::env::var("CONTENT_TYPE")?;
    let token = std::env::var("TOKEN")?;
    let prefix = std::env::var("KEY_PREFIX").unwrap_or_else(|_| "rate".into());

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(MAX_IN_FLIGHT as usize)
        .timeout(Duration::from_secs(10))
        .build()?;
    let latencies = Arc::new(Mutex::new(Vec::<u64>::new()));
    let errors = Arc::new(AtomicU64::new(0));
    let in_flight = Arc::new(AtomicU64::new(0));
    let mut late = 0u64;
    let total = (rate * seconds).round() as u64;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        let due = start + interval.mul_f64(n as f64);
        tokio::time::sleep_until(due.into()).await;
        if Instant::now().duration_since(due) > Duration::from_millis(1) {
            late += 1;
        }
        if in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
            errors.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        in_flight.fetch_add(1, Ordering::Relaxed);
        let request = client
            .post(url)
            .header("content-type", &content_type)
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", format!("{prefix}-{n}"))
            .body(body.clone());
        let (latencies, errors, in_flight) = (latencies.clone(), errors.clone(), in_flight.clone());
        tasks.push(tokio::spawn(async move {
            let ok = match request.send().await {
                Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                Err(_) => false,
            };
            let micros = due.elapsed().as_micros() as u64;
            in_flight.fetch_sub(1, Ordering::Relaxed);
            if ok {
                latencies.lock().await.push(micros);
            } else {
                errors.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut latencies = latencies.lock().await.clone();
    latencies.sort_unstable();
    let errors = errors.load(Ordering::Relaxed);
    let at = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let index = ((p / 100.0) * (latencies.len() - 1) as f64).round() as usize;
        latencies[index] as f64 / 1000.0
    };
    println!(
        "RESULT requests={} errors={} rate={:.1}/s p50={:.2}ms p90={:.2}ms p99={:.2}ms max={:.2}ms target={:.0}/s late={}",
        latencies.len() as u64 + errors,
        errors,
        (latencies.len() as u64 + errors) as f64 / elapsed,
        at(50.0),
        at(90.0),
        at(99.0),
        latencies.last().map_or(0.0, |max| *max as f64 / 1000.0),
        rate,
        late,
    );
    Ok(())
}
