//! `onething cert …` (verify certificate files offline, rotate and export department
//! keys) and `onething population …` (synthetic shared data for trials and load
//! tests).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Subcommand;

use crate::run;

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum CertCommand {
    /// Verify a certificate file offline, with only the issuers' public keys.
    Verify {
        /// The certificate file (canonical JSON, as downloaded from 我的证照).
        file: PathBuf,
        /// The issuers' keyring (JSON, from GET /api/v1/issuer-keys or `onething cert keyring`).
        #[arg(long)]
        keys: PathBuf,
        /// Revoked certificates: a JSON object {"<certificate id>": {"revoked_on": "YYYY-MM-DD", "reason": "…"}}.
        #[arg(long)]
        revocations: Option<PathBuf>,
        /// The day to check validity on (YYYY-MM-DD); today in China when not given.
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// Write what OpenSSL needs to check a certificate's signature by itself: the
    /// signed bytes, the signature and the issuer's public key, and print the command.
    Openssl {
        /// The certificate file.
        file: PathBuf,
        /// The issuers' keyring (JSON).
        #[arg(long)]
        keys: PathBuf,
        /// Directory to write body.json, signature.bin and issuer.pem into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the keyring of every department key (current and retired) as JSON.
    Keyring {
        #[command(flatten)]
        server: run::ServerOptions,
    },
    /// Generate a new signing key for a department; the old one stops signing today
    /// and stays in the keyring, so what it signed stays verifiable.
    RotateKey {
        #[command(flatten)]
        server: run::ServerOptions,
        /// Department code, e.g. WJ.
        #[arg(long)]
        department: String,
    },
}

pub fn run(command: CertCommand) -> anyhow::Result<ExitCode> {
    match command {
        CertCommand::Verify {
            file,
            keys,
            revocations,
            today,
        } => verify(&file, &keys, revocations.as_deref(), today),
        CertCommand::Openssl { file, keys, out } => openssl_export(&file, &keys, &out),
        CertCommand::Keyring { server } => {
            run::init_logging(&server.log_format);
            crate::runtime()?.block_on(async {
                let state = run::build_state_quiet(&server, None, calendar::Calendar::official()?).await?;
                let loaded = server::certify::keys(&state).await?;
                println!("{}", serde_json::to_string_pretty(&loaded.keyring)?);
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        CertCommand::RotateKey { server, department } => {
            run::init_logging(&server.log_format);
            crate::runtime()?.block_on(async {
                let state = run::build_state_quiet(&server, None, calendar::Calendar::official()?).await?;
                if !state.catalog.departments.contains_key(&department) {
                    anyhow::bail!("目录中没有部门“{department}”");
                }
                let key_id = server::certify::rotate_key(&state, &department, cases::china_date(state.now())).await?;
                println!(
                    "已为{}生成新的签发密钥 {key_id}；旧密钥今天起停止签发，已签发的证照仍可验证。",
                    department
                );
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn verify(
    file: &std::path::Path,
    keys: &std::path::Path,
    revocations: Option<&std::path::Path>,
    today: Option<NaiveDate>,
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("无法读取证照文件 {}", file.display()))?;
    let keyring_text = std::fs::read_to_string(keys).with_context(|| format!("无法读取公钥库 {}", keys.display()))?;
    let keyring: certs::Keyring = serde_json::from_str(&keyring_text).context("公钥库不是有效的 JSON")?;
    keyring.validate().map_err(|e| anyhow::anyhow!("公钥库无效：{e}"))?;
    let revoked: std::collections::BTreeMap<String, certs::Revocation> = match revocations {
        Some(path) => serde_json::from_str(
            &std::fs::read_to_string(path).with_context(|| format!("无法读取注销清单 {}", path.display()))?,
        )
        .context("注销清单不是有效的 JSON")?,
        None => Default::default(),
    };
    let claimed: Option<String> = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v["certificate"]["id"].as_str().map(str::to_owned));
    let revocation = claimed.as_ref().and_then(|id| revoked.get(id));
    let today = today.unwrap_or_else(crate::today_in_china);
    match certs::verify_file(&bytes, &keyring, revocation, today) {
        Ok(verified) => {
            let c = &verified.certificate;
            println!("验证通过 / valid");
            println!("  证照：{}（{}）编号 {}", c.type_name, c.type_code, c.number);
            println!("  持证人：{}", c.holder_name);
            println!("  签发机关：{}（{}），{}", c.issuer_name, c.issuer_code, c.issue_date);
            println!(
                "  签名：{}，密钥 {}",
                verified.issuer.public_key.algorithm, verified.issuer.key_id
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            println!("验证未通过 / invalid: {}", error.code());
            println!("  {error}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn openssl_export(file: &std::path::Path, keys: &std::path::Path, out: &std::path::Path) -> anyhow::Result<ExitCode> {
    use base64::Engine;
    let bytes = std::fs::read(file).with_context(|| format!("无法读取证照文件 {}", file.display()))?;
    let signed: certs::SignedCertificate = serde_json::from_slice(&bytes).context("不是有效的电子证照文件")?;
    let keyring: certs::Keyring = serde_json::from_str(
        &std::fs::read_to_string(keys).with_context(|| format!("无法读取公钥库 {}", keys.display()))?,
    )
    .context("公钥库不是有效的 JSON")?;
    let issuer = keyring
        .find(&signed.signature.key_id)
        .with_context(|| format!("公钥库中没有签名密钥 {}", signed.signature.key_id))?;
    let signature = base64::engine::general_purpose::STANDARD
        .decode(&signed.signature.value)
        .context("签名不是有效的 Base64")?;
    std::fs::create_dir_all(out).with_context(|| format!("无法创建目录 {}", out.display()))?;
    let body = certs::signing_bytes(&signed.certificate).map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::write(out.join("body.json"), body)?;
    std::fs::write(out.join("signature.bin"), signature)?;
    std::fs::write(
        out.join("issuer.pem"),
        issuer.public_key.to_spki_pem().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?;
    let dir = out.display();
    match signed.signature.algorithm {
        certs::Algorithm::Sm2Sm3 => println!(
            "openssl pkeyutl -verify -rawin -digest sm3 -pubin -inkey {dir}/issuer.pem -in {dir}/body.json \\\n  -sigfile {dir}/signature.bin -pkeyopt distid:{}",
            certs::SM2_DISTID
        ),
        certs::Algorithm::Ed25519 => println!(
            "openssl pkeyutl -verify -rawin -pubin -inkey {dir}/issuer.pem -in {dir}/body.json -sigfile {dir}/signature.bin"
        ),
    }
    Ok(ExitCode::SUCCESS)
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum PopulationCommand {
    /// Write a synthetic population (valid ID numbers, families, insurance records)
    /// as JSON lines, one record per source and subject.
    Generate {
        /// How many persons.
        #[arg(long, default_value_t = 10_000)]
        persons: usize,
        /// How many enterprises.
        #[arg(long, default_value_t = 0)]
        enterprises: usize,
        /// The seed: the same seed gives the same people.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Output file; standard output when not given.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Load JSON lines written by `generate` into the shared data tables.
    Import {
        #[command(flatten)]
        server: run::ServerOptions,
        /// The JSON-lines file.
        file: PathBuf,
    },
}

pub fn population(command: PopulationCommand) -> anyhow::Result<ExitCode> {
    match command {
        PopulationCommand::Generate {
            persons,
            enterprises,
            seed,
            out,
        } => {
            let started = Instant::now();
            let mut generator = sharing::Generator::new(seed);
            let written = match &out {
                Some(path) => {
                    let file = std::fs::File::create(path).with_context(|| format!("无法创建 {}", path.display()))?;
                    let mut writer = std::io::BufWriter::new(file);
                    let mut n = sharing::write_jsonl(generator.population(persons), &mut writer)?;
                    n += sharing::write_jsonl(generator.enterprises_with_insurance(enterprises), &mut writer)?;
                    writer.flush()?;
                    n
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut writer = std::io::BufWriter::new(stdout.lock());
                    let mut n = sharing::write_jsonl(generator.population(persons), &mut writer)?;
                    n += sharing::write_jsonl(generator.enterprises_with_insurance(enterprises), &mut writer)?;
                    writer.flush()?;
                    n
                }
            };
            eprintln!(
                "已生成 {persons} 人、{enterprises} 家企业，共 {written} 条记录，用时 {:.2?}",
                started.elapsed()
            );
            Ok(ExitCode::SUCCESS)
        }
        PopulationCommand::Import { server, file } => {
            run::init_logging(&server.log_format);
            crate::runtime()?.block_on(async {
                let store = run::open_store(&server).await?;
                let reader = std::io::BufReader::new(
                    std::fs::File::open(&file).with_context(|| format!("无法读取 {}", file.display()))?,
                );
                let started = Instant::now();
                let mut batch = Vec::with_capacity(10_000);
                let mut total = 0u64;
                for (number, line) in reader.lines().enumerate() {
                    let line = line?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    let record: sharing::Record = serde_json::from_str(&line)
                        .with_context(|| format!("{} 第 {} 行不是有效的记录", file.display(), number + 1))?;
                    batch.push(store::SharedRecord {
                        source: record.source,
                        subject: record.subject,
                        attributes: record.attributes,
                    });
                    if batch.len() == 10_000 {
                        store.put_shared_records(&batch).await?;
                        total += batch.len() as u64;
                        batch.clear();
                    }
                }
                store.put_shared_records(&batch).await?;
                total += batch.len() as u64;
                println!("已导入 {total} 条共享数据记录，用时 {:.2?}", started.elapsed());
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Seeds the demo's shared data once: the named demo people and a synthetic town.
pub async fn seed_demo_population(state: &server::AppState, persons: usize) -> anyhow::Result<u64> {
    if state.store.shared_record_count().await? > 0 {
        return Ok(0);
    }
    let mut records: Vec<store::SharedRecord> = sharing::demo_people()
        .into_iter()
        .map(|r| store::SharedRecord {
            source: r.source,
            subject: r.subject,
            attributes: r.attributes,
        })
        .collect();
    let mut generator = sharing::Generator::new(2026);
    records.extend(generator.population(persons).map(|r| store::SharedRecord {
        source: r.source,
        subject: r.subject,
        attributes: r.attributes,
    }));
    records.extend(
        generator
            .enterprises_with_insurance(persons / 20)
            .map(|r| store::SharedRecord {
                source: r.source,
                subject: r.subject,
                attributes: r.attributes,
            }),
    );
    state.store.put_shared_records(&records).await?;
    Ok(records.len() as u64)
}
