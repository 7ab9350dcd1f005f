using System.Net;
using Microsoft.Extensions.Options;

namespace Registry.Server.Hosting;

/// <summary>Checks <see cref="RegistryServerOptions"/> once at start, naming every bad setting in one message.</summary>
public sealed class RegistryServerOptionsValidator : IValidateOptions<RegistryServerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RegistryServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!IPEndPoint.TryParse(options.ListenEndpoint ?? string.Empty, out _))
        {
            failures.Add($"Registry:ListenEndpoint '{options.ListenEndpoint}' is not an ip:port");
        }

        if (!string.IsNullOrEmpty(options.MetricsEndpoint) && !IPEndPoint.TryParse(options.MetricsEndpoint, out _))
        {
            failures.Add($"Registry:MetricsEndpoint '{options.MetricsEndpoint}' is not an ip:port");
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add("Registry:DataDirectory is required");
        }

        if (options.MaxFrameBytes is < 64 or > 64 * 1024 * 1024)
        {
            failures.Add($"Registry:MaxFrameBytes {options.MaxFrameBytes} is outside 64..67108864 (the protocol's maximum)");
        }

        if (options.IdleTimeout <= TimeSpan.Zero || options.WriteTimeout <= TimeSpan.Zero || options.DrainTimeout < TimeSpan.Zero)
        {
            failures.Add("Registry:IdleTimeout and Registry:WriteTimeout must be positive, Registry:DrainTimeout not negative");
        }

        if (options.SynchronousReplicationTimeout <= TimeSpan.Zero || options.SynchronousReplicationTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add("Registry:SynchronousReplicationTimeout must be positive and at most 10 minutes");
        }

        if (options.SynchronousStandbys is < 1 or > 100)
        {
            failures.Add($"Registry:SynchronousStandbys {options.SynchronousStandbys} is outside 1..100");
        }

        if (options.MinStandbysToWrite is < 0 or > 100)
        {
            failures.Add($"Registry:MinStandbysToWrite {options.MinStandbysToWrite} is outside 0..100");
        }

        if (options.MinStandbysMaxLag < TimeSpan.FromSeconds(2) || options.MinStandbysMaxLag > TimeSpan.FromMinutes(10))
        {
            failures.Add("Registry:MinStandbysMaxLag must be between 2 seconds (standbys confirm every second) and 10 minutes");
        }

        if (options.HeartbeatVerifySkip < TimeSpan.Zero)
        {
            failures.Add("Registry:HeartbeatVerifySkip must not be negative");
        }

        if (options.VerifiedSignatureCacheEntries < 0)
        {
            failures.Add("Registry:VerifiedSignatureCacheEntries must not be negative");
        }

        if (options.ListNodesMaxStaleness < TimeSpan.Zero || options.ListNodesMaxStaleness > TimeSpan.FromMinutes(1))
        {
            failures.Add("Registry:ListNodesMaxStaleness must be between 0 and 1 minute");
        }

        if (!string.IsNullOrEmpty(options.BeaconAddress) && !HostPort.IsAdvertisable(options.BeaconAddress))
        {
            failures.Add($"Registry:BeaconAddress '{options.BeaconAddress}' is not HOST:PORT");
        }

        if (options.SocketBufferBytes is < 1024)
        {
            failures.Add($"Registry:SocketBufferBytes {options.SocketBufferBytes} is below 1024");
        }

        if (options.RegistrationsPerIpPerMinute < 0 || options.QueriesPerIpPerMinute < 0)
        {
            failures.Add("Registry:RegistrationsPerIpPerMinute and Registry:QueriesPerIpPerMinute must not be negative");
        }

        if (options.EventLoops is < 0 or > 64)
        {
            failures.Add($"Registry:EventLoops {options.EventLoops} is not between 0 (a task per connection) and 64");
        }

        if (options.MaxConnections < 1)
        {
            failures.Add("Registry:MaxConnections must be at least 1");
        }

        if (options.SaveInterval <= TimeSpan.Zero || options.SnapshotAfterEntries <= 0)
        {
            failures.Add("Registry:SaveInterval and Registry:SnapshotAfterEntries must be positive");
        }

        if (options.StaleThreshold <= TimeSpan.Zero || options.ReapInterval <= TimeSpan.Zero)
        {
            failures.Add("Registry:StaleThreshold and Registry:ReapInterval must be positive");
        }

        if (!Enum.IsDefined(options.Durability))
        {
            failures.Add($"Registry:Durability '{options.Durability}' is not always, interval or none");
        }

        AddTlsFailures(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void AddTlsFailures(RegistryServerOptions options, List<string> failures)
    {
        var tls = options.Tls ?? new TlsOptions();
        var fromFiles = !string.IsNullOrEmpty(tls.CertificateFile) || !string.IsNullOrEmpty(tls.KeyFile);
        if (tls.SelfSigned && fromFiles)
        {
            failures.Add("Registry:Tls:SelfSigned and Registry:Tls:CertificateFile/KeyFile exclude each other");
        }
        else if (fromFiles && (string.IsNullOrEmpty(tls.CertificateFile) || string.IsNullOrEmpty(tls.KeyFile)))
        {
            failures.Add("Registry:Tls:CertificateFile and Registry:Tls:KeyFile must be set together");
        }

        if (!string.IsNullOrEmpty(options.StandbyTlsPin) && !Security.PinnedTls.TryNormalize(options.StandbyTlsPin, out _))
        {
            failures.Add($"Registry:StandbyTlsPin '{options.StandbyTlsPin}' is not 64 hex digits (the SHA-256 of the primary's certificate)");
        }

        var trusts = new List<string>();
        if (!string.IsNullOrEmpty(options.StandbyTlsPin))
        {
            trusts.Add("Registry:StandbyTlsPin");
        }

        if (!string.IsNullOrEmpty(options.StandbyTlsCa))
        {
            trusts.Add("Registry:StandbyTlsCa");
        }

        if (options.StandbyTlsSystemTrust)
        {
            trusts.Add("Registry:StandbyTlsSystemTrust");
        }

        if (trusts.Count > 1)
        {
            failures.Add($"{string.Join(" and ", trusts)} exclude each other: a standby trusts its primary by a pin, a CA file or the system trust store, set one");
        }

        if (trusts.Count > 0 && string.IsNullOrEmpty(options.StandbyOf))
        {
            failures.Add($"{string.Join(" and ", trusts)} only apply with Registry:StandbyOf");
        }
    }
}
