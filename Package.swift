// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "darkroom",
    // Linux (Debian: libsqlite3-dev, libvips-dev) is where it is built and tested; on macOS, Synchronization's Mutex needs 15.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "darkroom", targets: ["darkroom"]),
        .library(name: "DarkroomAPI", targets: ["DarkroomAPI"]),
        // A typed Swift client for apps, generated from the API's OpenAPI document.
        .library(name: "DarkroomKit", targets: ["DarkroomKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV.git", from: "0.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
    ],
    targets: [
        // MARK: The product: what `darkroom serve` runs.

        // The system SQLite (Debian's libsqlite3-dev), used through its C API so statements can be cached.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        // libvips (Debian's libvips-dev; its headers need only glib's include paths), wrapped in fixed-argument calls:
        // only DarkroomImaging (and the photo tools built on it) import it.
        .systemLibrary(name: "CVips", path: "Sources/CVips", pkgConfig: "glib-2.0"),
        // libqrencode (Debian's libqrencode-dev): the QR code an authenticator app scans when two-factor sign-in is set up.
        .systemLibrary(name: "CQREncode", path: "Sources/CQREncode"),
        .systemLibrary(name: "CSpawn", path: "Sources/CSpawn"),
        // libde265 (Debian's libde265-dev, which libheif decodes HEIC with): a phone's HEIC decoded tile by tile.
        .systemLibrary(name: "CDe265", path: "Sources/CDe265"),
        // Lanczos downscaling in C that compilers vectorize (`Downscale`): libvips 8.14's horizontal pass has no vector code.
        .target(name: "CResample", path: "Sources/CResample"),
        // Photo decoding, the classic filters and renditions, in-process with libvips.
        .target(name: "DarkroomImaging", dependencies: ["CVips", "CDe265", "CResample", "CSpawn", "DarkroomCore"], swiftSettings: strict),
        // Domain: ids, clock, rules and policies. No I/O.
        .target(
            name: "DarkroomCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                // RSA signatures, for passkeys that sign with RS256.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: strict
        ),
        // The one data layer: SQLite and PostgreSQL drivers, migrations, stores, background jobs.
        .target(
            name: "DarkroomStorage",
            dependencies: [
                "CSQLite", "DarkroomCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // People's data exports (needs zlib: Debian's zlib1g-dev).
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strict
        ),
        // HTTP: Hummingbird application, v1 conventions, controllers, serializers, pages.
        .target(
            name: "DarkroomAPI",
            dependencies: [
                "DarkroomCore", "DarkroomStorage", "DarkroomImaging", "CQREncode",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
                // Real-time callbacks: verification requests and notifications.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                // Mail: lines of SMTP replies, and TLS for STARTTLS and implicit TLS.
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The API's description is written in YAML and also served as JSON.
                .product(name: "Yams", package: "Yams"),
            ],
            // The pages' templates and stylesheet, and the API's OpenAPI description, read once at start.
            resources: [.copy("Templates"), .copy("OpenAPI")],
            swiftSettings: strict
        ),
        // What every `darkroom` subcommand shares: the storage options, JSON output, logging, the progress bar.
        .target(
            name: "DarkroomCommands",
            dependencies: [
                "DarkroomCore", "DarkroomStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The command: `serve` and the operator commands, plus the tools' subcommands (`seed`, `bench`, `filters`).
        .executableTarget(
            name: "darkroom",
            dependencies: [
                "DarkroomAPI", "DarkroomStorage", "DarkroomCore", "DarkroomImaging", "DarkroomCommands", "DarkroomTools",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),

        // MARK: DarkroomKit: for apps; the server does not depend on it.

        // The client: Generated/ is swift-openapi-generator's output for OpenAPI/openapi.yaml (scripts/generate-kit;
        // committed, so building it does not build the generator), wrapped by a small hand-written layer.
        .target(
            name: "DarkroomKit",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["openapi-generator-config.yaml", "Generated/openapi.sha256"],
            swiftSettings: strict
        ),

        // MARK: Tools: data sets, benchmarks and photos for measuring; never on a request's path.

        // The deterministic synthetic data set (`darkroom seed`), written through the storage layer's bulk inserter.
        .target(name: "DarkroomSeed", dependencies: ["DarkroomCore", "DarkroomStorage"], path: "Sources/Tools/DarkroomSeed", swiftSettings: strict),
        // Synthetic test photos and clips, Instagram archives, contact sheets of the filters, and measurements of what a filter did.
        .target(
            name: "DarkroomPhotoKit",
            dependencies: ["DarkroomImaging", "CVips", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            path: "Sources/Tools/DarkroomPhotoKit",
            swiftSettings: strict
        ),
        // The tools' subcommands: `seed`, `bench feed|post|geo|ingest`, `filters list|contact-sheet`.
        .target(
            name: "DarkroomTools",
            dependencies: [
                "DarkroomAPI", "DarkroomStorage", "DarkroomCore", "DarkroomImaging", "DarkroomCommands", "DarkroomSeed", "DarkroomPhotoKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The federation bench's load generator.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Tools/DarkroomTools",
            swiftSettings: strict
        ),
        .testTarget(
            name: "DarkroomTests",
            dependencies: [
                "DarkroomAPI", "DarkroomStorage", "DarkroomCore", "DarkroomImaging", "DarkroomSeed", "DarkroomPhotoKit", "DarkroomCommands",
                "DarkroomKit",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
    ]
)
