using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Registry.Server.Security;

namespace Registry.Server.Tests;

/// <summary>The listener with TLS on: pinned clients, plaintext and silent peers, the handshake deadline.</summary>
public sealed class TransportTlsTests : IDisposable
{
    private readonly X509Certificate2 _certificate = ServerCertificate.SelfSigned(DateTimeOffset.UtcNow);

    private string Pin => PinnedTls.PinOf(_certificate);

    public void Dispose() => _certificate.Dispose();

    [Fact]
    public async Task Request_PinnedClient_RoundTripsInsideTls()
    {
        var ct = Timeouts.Bounded();
        await using var server = StartTls();
        using var client = await WireClient.ConnectTlsAsync(server.EndPoint, Pin, ct);

        for (var n = 1; n <= 2; n++)
        {
            Assert.Equal(n, (await client.RequestAsync($"{{\"type\":\"echo\",\"n\":{n}}}", ct)).GetProperty("n").GetInt32());
        }
    }

    [Fact]
    public async Task BinaryProtocol_InsideTls_IsDetectedAfterTheHandshake()
    {
        var ct = Timeouts.Bounded();
        await using var server = StartTls();
        using var client = await WireClient.ConnectTlsAsync(server.EndPoint, Pin, ct);
        var json = WireClient.Frame("{\"type\":\"echo\",\"n\":3}");
        json[3]++;

        await client.SendRawAsync([.. "PILT"u8, 1, .. json[..4], 0x00, .. json[4..]], ct);
        var reply = await client.ReadAsync(ct);

        Assert.NotNull(reply);
        Assert.Equal('\0', reply[0]);
        Assert.Equal(3, System.Text.Json.JsonDocument.Parse(reply[1..]).RootElement.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Connect_OtherPin_RefusedByTheClientNamingBothPins()
    {
        var ct = Timeouts.Bounded();
        await using var server = StartTls();
        var other = new string('0', 64);

        var ex = await Assert.ThrowsAsync<AuthenticationException>(() => WireClient.ConnectTlsAsync(server.EndPoint, other, ct));

        Assert.Contains(Pin, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"not the pinned {other}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_PlaintextClient_NoReplyCountedAndOthersServed()
    {
        var ct = Timeouts.Bounded();
        await using var server = StartTls();
        using var plain = await server.ConnectAsync(ct);

        await plain.SendAsync("{\"type\":\"echo\"}", ct);

        Assert.Null(await plain.ReadAsync(ct));
        using var pinned = await WireClient.ConnectTlsAsync(server.EndPoint, Pin, ct);
        Assert.Equal("echo_ok", (await pinned.RequestAsync("{\"type\":\"echo\"}", ct)).GetProperty("type").GetString());
        await server.Listener.StopAsync(ct);
        var text = server.Exporter.Render();
        Assert.True(text.Contains("registry_server_connections_closed_total{reason=\"tls_handshake\"} 1", StringComparison.Ordinal), text);
    }

    [Fact]
    public async Task Handshake_PeerSendsNothing_ClosedAtTheIdleTimeout()
    {
        var ct = Timeouts.Bounded();
        var time = new FakeTimeProvider();
        await using var server = StartTls(time);
        using var silent = await server.ConnectAsync(ct);
        var read = silent.ReadAsync(ct);

        // The deadline is armed when the connection task starts; advancing until the close avoids guessing when.
        while (!read.IsCompleted)
        {
            time.Advance(TimeSpan.FromMinutes(5));
            await Task.WhenAny(read, Task.Delay(20, ct));
        }

        Assert.Null(await read);

        // The client sees the close before the server's connection task counts it; stopping waits for that task.
        await server.Listener.StopAsync(ct);
        var text = server.Exporter.Render();
        Assert.True(text.Contains("registry_server_connections_closed_total{reason=\"tls_handshake\"} 1", StringComparison.Ordinal), text);
    }

    [Theory]
    [InlineData("AB:CD")]
    [InlineData("zz")]
    [InlineData("")]
    public void TryNormalize_NotAPin_False(string text) => Assert.False(PinnedTls.TryNormalize(text, out _));

    [Fact]
    public void Pinned_NotAPin_RefusedBeforeDialling() =>
        Assert.Contains("is not a TLS pin", Assert.Throws<ArgumentException>(() => TlsClientTrust.Pinned("zz")).Message, StringComparison.Ordinal);

    [Fact]
    public void TryNormalize_UppercaseWithColons_LowercaseHex()
    {
        var colons = string.Join(':', Enumerable.Range(0, 32).Select(i => Pin.Substring(i * 2, 2).ToUpperInvariant()));

        Assert.True(PinnedTls.TryNormalize(colons, out var pin));
        Assert.Equal(Pin, pin);
    }

    [Fact]
    public void SelfSigned_IsTheSpecifiedCertificate()
    {
        var now = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        using var certificate = ServerCertificate.SelfSigned(now);

        Assert.Contains("O=Pilot Protocol", certificate.Subject, StringComparison.Ordinal);
        using var key = certificate.GetECDsaPublicKey();
        Assert.Equal(256, key!.KeySize);
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost"], names.EnumerateDnsNames());
        Assert.Equal(["127.0.0.1", "::1"], names.EnumerateIPAddresses().Select(a => a.ToString()));
        Assert.Equal(now.AddYears(1).UtcDateTime, certificate.NotAfter.ToUniversalTime());
        Assert.True(certificate.HasPrivateKey);
        Assert.Matches("^[0-9a-f]{64}$", PinnedTls.PinOf(certificate));
    }

    private TestServer StartTls(TimeProvider? time = null) => TestServer.Start(configure: o => o with
    {
        TlsCertificate = SslStreamCertificateContext.Create(_certificate, null, offline: true),
        TimeProvider = time ?? TimeProvider.System,
        IdleTimeout = TimeSpan.FromMinutes(5),
        WriteTimeout = TimeSpan.FromDays(1),
    });
}
