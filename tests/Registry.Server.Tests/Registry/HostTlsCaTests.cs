using System.Net;
using System.Security.Authentication;
using Microsoft.Extensions.Options;
using Registry.Persistence.Tests;
using Registry.Server.Hosting;
using Registry.Server.Security;

namespace Registry.Server.Tests.Registry;

/// <summary>The real host serving a CA-issued certificate from PEM files, and clients that validate it against a CA file (<see cref="TlsClientTrust"/>).</summary>
public sealed class HostTlsCaTests : IDisposable
{
    private readonly TestCertificateAuthority _ca = new();
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        _ca.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task CaFile_IssuedLeaf_ClientConnectsByAddressAndByName()
    {
        var ct = Timeouts.Bounded(30);
        using var leaf = _ca.IssueLocalhost();
        await using var host = await StartAsync(leaf, ct);
        var trust = TlsClientTrust.FromCaFile(_ca.WriteCaFile(_dir.Combine("ca.pem")));
        using var key = new NodeKey();

        using (var byAddress = new RegistryClient(await WireClient.ConnectTlsAsync(host.EndPoint, host.EndPoint, trust, ct)))
        {
            Assert.True(await byAddress.RegisterAsync(key, ct, hostname: "ca-node") > 0);
        }

        using var byName = new RegistryClient(await WireClient.ConnectTlsAsync(host.EndPoint, new DnsEndPoint("localhost", host.EndPoint.Port), trust, ct));
        var reply = await byName.SendAsync(new { type = "lookup", node_id = 1 }, ct);
        Assert.Equal("lookup_ok", reply.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Intermediate_SentByTheServerOrInTheCaFile_ChainsToTheRoot(bool serverSendsIntermediate)
    {
        var ct = Timeouts.Bounded(30);
        using var intermediate = new TestCertificateAuthority("Registry Test Intermediate", _ca);
        using var leaf = intermediate.IssueLocalhost();
        var (certFile, keyFile) = TestCertificateAuthority.WriteLeaf(_dir.Combine("server"), leaf);
        var caFile = _ca.WriteCaFile(_dir.Combine("ca.pem"));
        var intermediatePem = "\n" + intermediate.Certificate.ExportCertificatePem() + "\n";
        await File.AppendAllTextAsync(serverSendsIntermediate ? certFile : caFile, intermediatePem, ct);
        await using var host = await RegistryTestHost.StartAsync(_dir.Combine("primary"), ct, settings: HostTlsTests.Files(certFile, keyFile));

        using var client = new RegistryClient(await WireClient.ConnectTlsAsync(host.EndPoint, host.EndPoint, TlsClientTrust.FromCaFile(caFile), ct));

        using var key = new NodeKey();
        Assert.True(await client.RegisterAsync(key, ct) > 0);
    }

    [Fact]
    public async Task OtherCa_Refused_UntrustedChainNamingTheServer()
    {
        var ct = Timeouts.Bounded(30);
        using var leaf = _ca.IssueLocalhost();
        await using var host = await StartAsync(leaf, ct);
        using var other = new TestCertificateAuthority("Some Other CA");
        var otherFile = other.WriteCaFile(_dir.Combine("other-ca.pem"));

        var ex = await Assert.ThrowsAsync<AuthenticationException>(() => WireClient.ConnectTlsAsync(host.EndPoint, host.EndPoint, TlsClientTrust.FromCaFile(otherFile), ct));

        Assert.Contains($"TLS server {host.EndPoint}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("untrusted chain", ex.Message, StringComparison.Ordinal);
        Assert.Contains(otherFile, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SystemStore_TestCa_RefusedAsUntrusted()
    {
        var ct = Timeouts.Bounded(30);
        using var leaf = _ca.IssueLocalhost();
        await using var host = await StartAsync(leaf, ct);

        var ex = await Assert.ThrowsAsync<AuthenticationException>(() => WireClient.ConnectTlsAsync(host.EndPoint, host.EndPoint, TlsClientTrust.SystemStore, ct));

        Assert.Contains("untrusted chain", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the system trust store", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeafForAnotherName_Refused_NameMismatch()
    {
        var ct = Timeouts.Bounded(30);
        using var leaf = _ca.Issue(["registry.example"], [], DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30));
        await using var host = await StartAsync(leaf, ct);
        var trust = TlsClientTrust.FromCaFile(_ca.WriteCaFile(_dir.Combine("ca.pem")));

        var ex = await Assert.ThrowsAsync<AuthenticationException>(() => WireClient.ConnectTlsAsync(host.EndPoint, host.EndPoint, trust, ct));

        Assert.Contains($"TLS server {host.EndPoint}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("name mismatch: the certificate is for registry.example, not '127.0.0.1'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("untrusted", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredLeaf_Refused_Expired()
    {
        var ct = Timeouts.Bounded(30);
        var now = DateTimeOffset.UtcNow;
        using var leaf = _ca.Issue(["localhost"], [IPAddress.Loopback], now.AddDays(-20), now.AddDays(-10));
        await using var host = await StartAsync(leaf, ct);
        var trust = TlsClientTrust.FromCaFile(_ca.WriteCaFile(_dir.Combine("ca.pem")));

        var ex = await Assert.ThrowsAsync<AuthenticationException>(() => WireClient.ConnectTlsAsync(host.EndPoint, host.EndPoint, trust, ct));

        Assert.Contains($"TLS server {host.EndPoint}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("expired: CN=registry test server expired", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standby_CaFile_ReplicatesARegistration()
    {
        const string token = "tls-ca-pair";
        var ct = Timeouts.Bounded(60);
        using var leaf = _ca.IssueLocalhost();
        await using var primary = await StartAsync(leaf, ct, new() { ["Registry:ReplicationToken"] = token });
        await using var standby = await RegistryTestHost.StartAsync(_dir.Combine("standby"), ct, settings: new Dictionary<string, string?>
        {
            ["Registry:ReplicationToken"] = token,
            ["Registry:StandbyOf"] = primary.EndPoint.ToString(),
            ["Registry:StandbyTlsCa"] = _ca.WriteCaFile(_dir.Combine("ca.pem")),
        });
        using var primaryClient = await primary.ConnectTlsAsync(primary.TlsPin!, ct);
        using var key = new NodeKey();
        var nodeId = await primaryClient.RegisterAsync(key, ct, hostname: "replicated-over-ca-tls");

        var target = HostTlsTests.Applied(primary);
        Assert.True(SpinWait.SpinUntil(() => HostTlsTests.Visible(standby) >= target, TimeSpan.FromSeconds(20)), $"standby at {HostTlsTests.Visible(standby)} of {target}");
        using var standbyClient = await standby.ConnectAsync(ct);
        var lookup = await standbyClient.OkAsync(new { type = "lookup", node_id = nodeId }, ct);
        Assert.Equal("replicated-over-ca-tls", lookup.GetProperty("hostname").GetString());
    }

    [Fact]
    public async Task Options_PinAndCaFile_RefusedNamingBoth()
    {
        var ct = Timeouts.Bounded(30);

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => RegistryTestHost.StartAsync(_dir.Combine("data"), ct, settings: new Dictionary<string, string?>
        {
            ["Registry:StandbyOf"] = "127.0.0.1:1",
            ["Registry:StandbyTlsPin"] = new string('a', 64),
            ["Registry:StandbyTlsCa"] = _dir.Combine("ca.pem"),
        }));

        Assert.Contains("Registry:StandbyTlsPin and Registry:StandbyTlsCa exclude each other", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("missing")]
    [InlineData("only a leaf of the CA")]
    public async Task CaFile_Unusable_StartupFailsNamingTheFile(string problem)
    {
        var ct = Timeouts.Bounded(30);
        var caFile = _dir.Combine("ca.pem");
        switch (problem)
        {
            case "garbage":
                await File.WriteAllTextAsync(caFile, "not a certificate\n", ct);
                break;
            case "missing":
                caFile = _dir.Combine("nowhere", "ca.pem");
                break;
            default:
                using (var leaf = _ca.IssueLocalhost())
                {
                    await File.WriteAllTextAsync(caFile, leaf.ExportCertificatePem(), ct);
                }

                break;
        }

        var ex = await Assert.ThrowsAsync<ServerStartupException>(() => RegistryTestHost.StartAsync(_dir.Combine("data"), ct, settings: new Dictionary<string, string?>
        {
            ["Registry:StandbyOf"] = "127.0.0.1:1",
            ["Registry:StandbyTlsCa"] = caFile,
        }));

        Assert.Contains(caFile, ex.Message, StringComparison.Ordinal);
        Assert.Contains("TLS CA file", ex.Message, StringComparison.Ordinal);

        // Refused before recovery: the data directory was never created.
        Assert.False(Directory.Exists(_dir.Combine("data")));
    }

    private async Task<RegistryTestHost> StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 leaf, CancellationToken ct, Dictionary<string, string?>? extra = null)
    {
        var (certFile, keyFile) = TestCertificateAuthority.WriteLeaf(_dir.Combine("server"), leaf);
        var settings = HostTlsTests.Files(certFile, keyFile);
        foreach (var (name, value) in extra ?? [])
        {
            settings[name] = value;
        }

        return await RegistryTestHost.StartAsync(_dir.Combine("primary"), ct, settings: settings);
    }
}
