using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Registry.Persistence.Tests;
using Registry.Server.Hosting;
using Registry.Server.Registry;
using Registry.Server.Security;

namespace Registry.Server.Tests.Registry;

/// <summary>The real host with TLS: self-signed and PEM certificates, startup failures, and a primary/standby pair over pinned TLS.</summary>
public sealed class HostTlsTests
{
    private static readonly Dictionary<string, string?> SelfSigned = new() { ["Registry:Tls:SelfSigned"] = "true" };

    [Fact]
    public async Task SelfSigned_PinnedClient_RegistersAndLooksUp()
    {
        var ct = Timeouts.Bounded(30);
        using var dir = new TempDirectory();
        await using var host = await RegistryTestHost.StartAsync(dir.Path, ct, settings: SelfSigned);
        Assert.Matches("^[0-9a-f]{64}$", host.TlsPin);
        using var client = await host.ConnectTlsAsync(host.TlsPin!, ct);
        using var key = new NodeKey();

        var nodeId = await client.RegisterAsync(key, ct, hostname: "tls-node");

        var lookup = await client.OkAsync(new { type = "lookup", node_id = nodeId }, ct);
        Assert.Equal("tls-node", lookup.GetProperty("hostname").GetString());
    }

    [Fact]
    public async Task PemChainFile_ServesItsLeaf()
    {
        var ct = Timeouts.Bounded(30);
        using var dir = new TempDirectory();
        using var certificate = ServerCertificate.SelfSigned(DateTimeOffset.UtcNow);
        using var intermediate = ServerCertificate.SelfSigned(DateTimeOffset.UtcNow);
        var (certFile, keyFile) = TestCertificateAuthority.WritePem(dir.Path, certificate, certificate.GetECDsaPrivateKey()!);

        // A chain file: the leaf first, then an intermediate; the pin is the leaf's.
        await File.AppendAllTextAsync(certFile, "\n" + intermediate.ExportCertificatePem() + "\n", ct);
        await using var host = await RegistryTestHost.StartAsync(dir.Combine("data"), ct, settings: Files(certFile, keyFile));

        Assert.Equal(PinnedTls.PinOf(certificate), host.TlsPin);
        using var client = await host.ConnectTlsAsync(PinnedTls.PinOf(certificate), ct);
        using var key = new NodeKey();
        Assert.True(await client.RegisterAsync(key, ct) > 0);
    }

    public static TheoryData<string> BadFiles => ["missing certificate", "garbage certificate", "key of another certificate"];

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task PemFiles_Unusable_StartupFailsNamingTheFile(string problem)
    {
        var ct = Timeouts.Bounded(30);
        using var dir = new TempDirectory();
        using var certificate = ServerCertificate.SelfSigned(DateTimeOffset.UtcNow);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (certFile, keyFile) = TestCertificateAuthority.WritePem(dir.Path, certificate, problem == "key of another certificate" ? otherKey : certificate.GetECDsaPrivateKey()!);
        switch (problem)
        {
            case "missing certificate":
                certFile = dir.Combine("nowhere", "server.pem");
                break;
            case "garbage certificate":
                await File.WriteAllTextAsync(certFile, "not a certificate\n", ct);
                break;
        }

        var ex = await Assert.ThrowsAsync<ServerStartupException>(() => RegistryTestHost.StartAsync(dir.Combine("data"), ct, settings: Files(certFile, keyFile)));

        Assert.Contains(certFile, ex.Message, StringComparison.Ordinal);
        Assert.Contains("TLS", ex.Message, StringComparison.Ordinal);

        // Refused before recovery: the data directory was never created, so nothing ran in plaintext meanwhile.
        Assert.False(Directory.Exists(dir.Combine("data")));
    }

    [Theory]
    [InlineData("Registry:Tls:CertificateFile", "cert.pem", "Registry:Tls:KeyFile")]
    [InlineData("Registry:StandbyTlsPin", "abc", "Registry:StandbyTlsPin")]
    public async Task Options_Inconsistent_ValidationNamesTheSetting(string key, string value, string named)
    {
        var ex = await RegistryTestHost.RefusedAtStartAsync(key, value, Timeouts.Bounded(30));

        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standby_PinnedTls_ReplicatesARegistration()
    {
        const string token = "tls-pair";
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        await using var primary = await RegistryTestHost.StartAsync(dir.Combine("primary"), ct, settings: new Dictionary<string, string?>(SelfSigned) { ["Registry:ReplicationToken"] = token });
        await using var standby = await RegistryTestHost.StartAsync(dir.Combine("standby"), ct, settings: new Dictionary<string, string?>
        {
            ["Registry:ReplicationToken"] = token,
            ["Registry:StandbyOf"] = primary.EndPoint.ToString(),
            ["Registry:StandbyTlsPin"] = primary.TlsPin,
        });
        using var primaryClient = await primary.ConnectTlsAsync(primary.TlsPin!, ct);
        using var key = new NodeKey();
        var nodeId = await primaryClient.RegisterAsync(key, ct, hostname: "replicated-over-tls");

        var target = Applied(primary);
        Assert.True(SpinWait.SpinUntil(() => Visible(standby) >= target, TimeSpan.FromSeconds(20)), $"standby at {Visible(standby)} of {target}");
        using var standbyClient = await standby.ConnectAsync(ct);
        var lookup = await standbyClient.OkAsync(new { type = "lookup", node_id = nodeId }, ct);
        Assert.Equal("replicated-over-tls", lookup.GetProperty("hostname").GetString());
    }

    /// <summary>The last sequence appended to the host's log.</summary>
    internal static ulong Applied(RegistryTestHost host) =>
        ((StoreBackend)host.Services.GetRequiredService<IRegistryBackend>()).Registry!.Store.Log.AppendedSequence;

    /// <summary>The last sequence applied to the host's state: a standby appends a record before applying it, so waiting on its log alone races its lookups.</summary>
    internal static ulong Visible(RegistryTestHost host) =>
        ((StoreBackend)host.Services.GetRequiredService<IRegistryBackend>()).Registry!.State.LastAppliedSequence;

    /// <summary>The settings serving TLS with the PEM files <paramref name="certFile"/> and <paramref name="keyFile"/>.</summary>
    internal static Dictionary<string, string?> Files(string certFile, string keyFile) => new()
    {
        ["Registry:Tls:CertificateFile"] = certFile,
        ["Registry:Tls:KeyFile"] = keyFile,
    };
}
