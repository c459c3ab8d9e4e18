//! The explorer page in a real browser: headless Chromium driven over WebDriver
//! (chromedriver, started here on a free port) against a node on loopback with a
//! few blocks holding payments. It reads the tip and the recent blocks, opens a
//! block and a transaction, searches by block ID and transaction ID, submits bad
//! transactions and reads their precise errors, and saves screenshots under
//! `target/explorer-screenshots/`.
//!
//! Without Chromium the test fails, saying how to install it: it is never skipped.

mod common;

use common::*;
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's paths; `ZKVM_CHROMIUM` and `ZKVM_CHROMEDRIVER` point elsewhere.
const CHROMIUM: (&str, &str) = ("ZKVM_CHROMIUM", "/usr/bin/chromium");
const CHROMEDRIVER: (&str, &str) = ("ZKVM_CHROMEDRIVER", "/usr/bin/chromedriver");
const WAIT: Duration = Duration::from_secs(20);

/// A chromedriver process we started; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tool's path: its environment variable, else its Debian path.
fn tool((var, default): (&str, &str)) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

/// Starts chromedriver on a free loopback port and waits until it listens.
fn start_driver() -> Driver {
    for path in [tool(CHROMIUM), tool(CHROMEDRIVER)] {
        assert!(
            Path::new(&path).exists(),
            "the explorer test needs headless Chromium and its WebDriver: {path} is \
             missing; install them with `apt-get install chromium chromium-driver`"
        );
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let chromedriver = tool(CHROMEDRIVER);
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {chromedriver}: {e}"));
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < WAIT, "chromedriver never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
    driver
}

/// A headless browser session with its own profile directory.
async fn open_browser(driver: &Driver, profile: &Path) -> Browser {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": tool(CHROMIUM),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("opening a Chromium session: {e}"))
}

/// The text of the first element matching `css`, if there is one (read in one
/// script, so a view repainting meanwhile cannot leave a stale element).
async fn text(browser: &Browser, css: &str) -> Option<String> {
    let script = "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;";
    match browser.execute(script, vec![json!(css)]).await.unwrap() {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// Waits until the element matching `css` has a text that `ok` accepts; that text.
async fn wait_text(browser: &Browser, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let found = text(browser, css).await;
        if let Some(t) = &found {
            if ok(t) {
                return t.clone();
            }
        }
        assert!(
            start.elapsed() < WAIT,
            "{css} never showed the expected text; last seen {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Types `query` into the search box and submits it.
async fn search(browser: &Browser, query: &str) {
    let input = browser.find(Locator::Css("#query")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(query).await.unwrap();
    browser
        .find(Locator::Css("#search button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("explorer-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(browser: &Browser, name: &str) {
    let png = browser.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name} is not a PNG");
    std::fs::write(screenshots_dir().join(name), png).unwrap();
}

/// Submits `tx_hex` through the page's form; the result line it shows.
async fn submit_through_page(browser: &Browser, url: &str, tx_hex: &str) -> String {
    browser.goto(&format!("{url}/#/submit")).await.unwrap();
    let area = browser.find(Locator::Css("#tx-hex")).await.unwrap();
    area.clear().await.unwrap();
    area.send_keys(tx_hex).await.unwrap();
    browser
        .find(Locator::Css("#submit-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(browser, "#submit-result", |t| {
        t.starts_with("Rejected") || t.starts_with("Accepted")
    })
    .await
}

/// A node with payments in a few blocks; the API client, the mined transaction IDs
/// and the raw transactions.
async fn chain_with_payments(dir: &Path) -> (NodeProcess, Client, Vec<String>, Vec<zkvm::Tx>) {
    let funding = funding_key(dir);
    let txs = payments(&funding, 0..4);
    let node = producer(dir, 1_000);
    let api = Client::new(&node.url);
    let mut ids = Vec::new();
    for pair in txs.chunks(2) {
        for tx in pair {
            let (status, body) = api.submit(&tx.to_bytes()).await;
            assert_eq!(status, 200, "{body}");
            ids.push(body["id"].as_str().unwrap().to_string());
        }
        // The next pair goes into a later block.
        let h = api.height().await;
        api.wait_height(h + 1, WAIT).await;
        let (status, pool) = api.get("/v1/mempool").await;
        assert_eq!(status, 200);
        assert_eq!(pool["count"], 0, "{pool}");
    }
    let h = api.height().await;
    api.wait_height(h + 2, WAIT).await;
    (node, api, ids, txs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_in_a_browser() {
    let driver = start_driver();
    let dir = devnet(6);
    let (node, api, ids, txs) = chain_with_payments(dir.path()).await;
    let profile = tempfile::tempdir().unwrap();
    let browser = open_browser(&driver, profile.path()).await;
    // The session is closed whatever happens, so no browser outlives the test.
    let checks = tokio::spawn(explore(browser.clone(), node.url.clone(), api, ids, txs));
    let outcome = checks.await;
    browser.close().await.unwrap();
    drop(driver);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn explore(browser: Browser, url: String, api: Client, ids: Vec<String>, txs: Vec<zkvm::Tx>) {
    // The tip and the recent blocks.
    browser.goto(&format!("{url}/")).await.unwrap();
    let tip: u64 = wait_text(&browser, "#tip-height", |t| !t.is_empty())
        .await
        .parse()
        .unwrap();
    assert!(tip >= 4, "tip {tip}");
    let (_, shown) = api.get(&format!("/v1/blocks/{tip}")).await;
    let shown_id = shown["id"].as_str().unwrap().to_string();
    let rows = wait_text(&browser, "#blocks tbody", |t| t.contains(&shown_id[..10])).await;
    assert!(rows.contains(&tip.to_string()), "{rows}");
    assert!(text(&browser, "#chart").await.is_some(), "no chart");
    wait_text(&browser, "#forest", |t| t.contains("2^")).await;
    screenshot(&browser, "home-wide.png").await;

    // A block, reached by its link in the recent list (the chain moves meanwhile: the
    // list's first row is read from the page).
    let first = browser
        .find(Locator::Css("#blocks tbody tr:first-child a"))
        .await
        .unwrap();
    let first_height = first.text().await.unwrap();
    first.click().await.unwrap();
    let (_, first_block) = api.get(&format!("/v1/blocks/{first_height}")).await;
    let first_id = first_block["id"].as_str().unwrap().to_string();
    wait_text(&browser, "#block-id", |t| t == first_id).await;

    // The block holding the first payments.
    let (_, mined) = api.get(&format!("/v1/txs/{}", ids[0])).await;
    let height = mined["height"].as_u64().unwrap();
    let (_, block) = api.get(&format!("/v1/blocks/{height}")).await;
    let block_id = block["id"].as_str().unwrap().to_string();
    browser
        .goto(&format!("{url}/#/block/{height}"))
        .await
        .unwrap();
    wait_text(&browser, "#block-id", |t| t == block_id).await;
    let listed = wait_text(&browser, "#block-txs", |t| t.contains(&ids[0])).await;
    assert!(listed.contains(&ids[1]), "{listed}");
    screenshot(&browser, "block.png").await;

    // A transaction, by its link in the block: its program and log.
    browser
        .find(Locator::Css(&format!(
            "#block-txs a[href='#/tx/{}']",
            ids[0]
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&browser, "#tx-id", |t| t == ids[0]).await;
    let program = wait_text(&browser, "#tx-program", |t| !t.is_empty()).await;
    let asm = zkvm::Program::parse(&txs[0].program).unwrap().to_asm();
    assert!(program.lines().count() > 1, "one instruction per line");
    assert_eq!(
        zkvm::Program::from_asm(&program).unwrap().to_asm(),
        asm,
        "the page shows the transaction's program"
    );
    let log = text(&browser, "#tx-log").await.unwrap();
    for kind in ["header", "input", "output", "fee"] {
        assert!(log.contains(kind), "the log lacks {kind}: {log}");
    }
    screenshot(&browser, "tx.png").await;

    // Search by block ID, by transaction ID, and for an ID nothing has.
    search(&browser, &block_id).await;
    wait_text(&browser, "#block-id", |t| t == block_id).await;
    search(&browser, &ids[3].to_uppercase()).await;
    wait_text(&browser, "#tx-id", |t| t == ids[3]).await;
    search(&browser, &"ab".repeat(32)).await;
    wait_text(&browser, "#error", |t| {
        t.contains("no block or transaction")
    })
    .await;
    search(&browser, "2").await;
    wait_text(&browser, "h1", |t| t == "Block 2").await;

    // The mempool view.
    browser.goto(&format!("{url}/#/mempool")).await.unwrap();
    wait_text(&browser, "main p", |t| t.contains("transactions")).await;

    // Bad transactions: the page shows the node's precise error.
    let shown = submit_through_page(&browser, &url, "0102zz").await;
    assert!(
        shown.starts_with("Rejected: ") && shown.contains("hex"),
        "{shown}"
    );
    let spent = hex::encode(txs[0].to_bytes());
    let (status, answer) = api.submit(&txs[0].to_bytes()).await;
    assert_eq!(status, 400, "{answer}");
    let reason = answer["error"]["message"].as_str().unwrap().to_string();
    let shown = submit_through_page(&browser, &url, &spent).await;
    assert_eq!(shown, format!("Rejected: {reason}"));
    screenshot(&browser, "rejected.png").await;

    // A phone-sized window.
    browser.set_window_size(390, 844).await.unwrap();
    browser.goto(&format!("{url}/#/")).await.unwrap();
    wait_text(&browser, "#tip-height", |t| !t.is_empty()).await;
    screenshot(&browser, "home-phone.png").await;
}
