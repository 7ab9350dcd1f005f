using System.CommandLine;
using Registry.Server.Hosting;
using Registry.Server.Registry;

namespace Registry.Cli;

/// <summary><c>registry serve</c>: runs the registry server (Store-backed) in the Generic Host until SIGTERM/SIGINT.</summary>
/// <remarks>
/// Flags become <c>Registry:*</c> command-line configuration keys, which the Generic Host ranks above environment
/// variables (<c>Registry__ListenEndpoint</c>) and <c>appsettings.json</c>; a flag that is not given leaves the
/// lower sources (and then the option defaults: <c>./data</c>, <c>127.0.0.1:9000</c>, <c>always</c>) in charge.
/// </remarks>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Option<string?>("--data") { Description = "The data directory (default ./data; locked while the server runs)." };
        var listen = new Option<string?>("--listen") { Description = "Client protocol listener as HOST:PORT (default 127.0.0.1:9000)." };
        var adminToken = new Option<string?>("--admin-token") { Description = "The global admin token; unset disables admin-gated requests." };
        var replicationToken = new Option<string?>("--replication-token") { Description = "The token standbys present to subscribe to replication." };
        var metricsListen = new Option<string?>("--metrics-listen") { Description = "HTTP listener for /metrics, /healthz, /readyz as HOST:PORT (default off)." };
        var durability = new Option<string?>("--durability") { Description = "When a mutation is acknowledged: always (fsync first, default), interval, none (tests only)." };
        durability.AcceptOnlyFromAmong("always", "interval", "none");
        var standbyOf = new Option<string?>("--standby-of") { Description = "Run as a hot standby of the primary at HOST:PORT: follow it (snapshot, then its log records), refuse writes; promote with the promote request or a restart without this option." };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "Serve clients over TLS with this PEM certificate (leaf first, then intermediates); needs --tls-key." };
        var tlsKey = new Option<string?>("--tls-key") { Description = "The PEM private key of --tls-cert." };
        var tlsSelfSigned = new Option<bool>("--tls-self-signed") { Description = "Serve clients over TLS with an ECDSA P-256 certificate generated at start; clients pin the logged pin." };
        var tlsPin = new Option<string?>("--tls-pin") { Description = "With --standby-of: dial the primary over TLS and accept only the certificate whose SHA-256 (hex) is this pin." };
        var tlsCa = new Option<string?>("--tls-ca") { Description = "With --standby-of: dial the primary over TLS and validate its certificate against the CA certificates of this PEM file (not the system store) and the --standby-of host name." };
        var tlsSystemTrust = new Option<bool>("--tls-system-trust") { Description = "With --standby-of: dial the primary over TLS and validate its certificate against the system trust store and the --standby-of host name." };
        var synchronous = new Option<bool>("--synchronous-replication") { Description = "As a primary, acknowledge a write only once a standby also holds it durably (waits up to Registry:SynchronousReplicationTimeout, 10 s; not ready without a standby)." };
        var minStandbys = new Option<int?>("--min-standbys-to-write") { Description = "As a primary, refuse writes unless at least this many standbys were heard from within Registry:MinStandbysMaxLag (10 s): a primary cut off from its standbys stops taking writes a failover would lose." };
        var command = new Command("serve", "Run the registry server: recover the data directory, serve the client protocol, snapshot on shutdown. Exit 0 after a clean stop, 1 when startup fails.")
        {
            data, listen, adminToken, replicationToken, metricsListen, durability, standbyOf, tlsCert, tlsKey, tlsSelfSigned, tlsPin, tlsCa, tlsSystemTrust, synchronous, minStandbys,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var args = new List<string>();
            Add(args, nameof(RegistryServerOptions.DataDirectory), parse.GetValue(data));
            Add(args, nameof(RegistryServerOptions.ListenEndpoint), parse.GetValue(listen));
            Add(args, nameof(RegistryServerOptions.AdminToken), parse.GetValue(adminToken));
            Add(args, nameof(RegistryServerOptions.ReplicationToken), parse.GetValue(replicationToken));
            Add(args, nameof(RegistryServerOptions.MetricsEndpoint), parse.GetValue(metricsListen));
            Add(args, nameof(RegistryServerOptions.Durability), parse.GetValue(durability));
            Add(args, nameof(RegistryServerOptions.StandbyOf), parse.GetValue(standbyOf));
            Add(args, nameof(RegistryServerOptions.StandbyTlsPin), parse.GetValue(tlsPin));
            Add(args, nameof(RegistryServerOptions.StandbyTlsCa), parse.GetValue(tlsCa));
            Add(args, nameof(RegistryServerOptions.StandbyTlsSystemTrust), parse.GetValue(tlsSystemTrust) ? "true" : null);
            Add(args, nameof(RegistryServerOptions.SynchronousReplication), parse.GetValue(synchronous) ? "true" : null);
            Add(args, nameof(RegistryServerOptions.MinStandbysToWrite), parse.GetValue(minStandbys)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add(args, $"{nameof(RegistryServerOptions.Tls)}:{nameof(TlsOptions.CertificateFile)}", parse.GetValue(tlsCert));
            Add(args, $"{nameof(RegistryServerOptions.Tls)}:{nameof(TlsOptions.KeyFile)}", parse.GetValue(tlsKey));
            Add(args, $"{nameof(RegistryServerOptions.Tls)}:{nameof(TlsOptions.SelfSigned)}", parse.GetValue(tlsSelfSigned) ? "true" : null);
            return await RunAsync([.. args], cancellationToken);
        });
        _ = context;
        return command;
    }

    /// <summary>Builds the host with the Store backend from configuration arguments and runs it to completion.</summary>
    public static async Task<int> RunAsync(string[] configurationArgs, CancellationToken cancellationToken)
    {
        var builder = RegistryServerHost.CreateBuilder(configurationArgs);
        builder.Services.AddStoreBackend();
        using var host = builder.Build();
        return await RegistryServerHost.RunAsync(host, cancellationToken);
    }

    private static void Add(List<string> args, string key, string? value)
    {
        if (value is not null)
        {
            args.Add($"--{RegistryServerOptions.SectionName}:{key}={value}");
        }
    }
}
