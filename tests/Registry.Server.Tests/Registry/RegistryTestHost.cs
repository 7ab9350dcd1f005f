using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NSec.Cryptography;
using Registry.Persistence.Tests;
using Registry.Server.Hosting;
using Registry.Server.Registry;

namespace Registry.Server.Tests.Registry;

/// <summary>The real server host with the Store backend on a data directory, bound to 127.0.0.1:0, in process.</summary>
internal sealed class RegistryTestHost : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token";

    private readonly IHost _host;

    private RegistryTestHost(IHost host) => _host = host;

    public IPEndPoint EndPoint => _host.Services.GetRequiredService<RegistryServerService>().ListenEndPoint!;

    public IServiceProvider Services => _host.Services;

    public static async Task<RegistryTestHost> StartAsync(string dataDirectory, CancellationToken cancellationToken, string? adminToken = AdminToken, TimeProvider? time = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = RegistryServerHost.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Registry:DataDirectory"] = dataDirectory,
            ["Registry:ListenEndpoint"] = "127.0.0.1:0",
            ["Registry:AdminToken"] = adminToken,
            ["Registry:RateLimit"] = "false",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.ClearProviders();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddStoreBackend();
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            // Startup-failure tests expect the throw; the half-built host must not outlive them.
            host.Dispose();
            throw;
        }

        return new RegistryTestHost(host);
    }

    /// <summary>Starts a host on a fresh data directory with <paramref name="key"/> = <paramref name="value"/> and returns the validation failure it must stop with.</summary>
    public static async Task<OptionsValidationException> RefusedAtStartAsync(string key, string value, CancellationToken cancellationToken)
    {
        using var dir = new TempDirectory();
        return await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(dir.Path, cancellationToken, settings: new Dictionary<string, string?> { [key] = value }));
    }

    public async Task<RegistryClient> ConnectAsync(CancellationToken cancellationToken) =>
        new(await WireClient.ConnectAsync(EndPoint, cancellationToken));

    /// <summary>The listener's TLS pin; null when the host serves plaintext.</summary>
    public string? TlsPin => _host.Services.GetRequiredService<RegistryServerService>().TlsPin;

    public async Task<RegistryClient> ConnectTlsAsync(string pin, CancellationToken cancellationToken) =>
        new(await WireClient.ConnectTlsAsync(EndPoint, pin, cancellationToken));

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}

/// <summary>A protocol client that sends anonymous objects as requests and signs challenges with real Ed25519 keys.</summary>
internal sealed class RegistryClient(WireClient wire) : IDisposable
{
    public async Task<JsonElement> SendAsync(object request, CancellationToken cancellationToken) =>
        await wire.RequestAsync(JsonSerializer.Serialize(request), cancellationToken);

    /// <summary>Sends and asserts the reply is <c>{type}_ok</c>.</summary>
    public async Task<JsonElement> OkAsync(object request, CancellationToken cancellationToken)
    {
        var reply = await SendAsync(request, cancellationToken);
        var type = JsonSerializer.SerializeToElement(request).GetProperty("type").GetString();
        Assert.True(reply.GetProperty("type").GetString() == type + "_ok", $"{type}: {reply}");
        return reply;
    }

    /// <summary>Sends and returns the error text on the wire, asserting it was an error.</summary>
    public async Task<string> ErrorAsync(object request, CancellationToken cancellationToken)
    {
        var reply = await SendAsync(request, cancellationToken);
        Assert.True(reply.GetProperty("type").GetString() == "error", reply.ToString());
        return reply.GetProperty("error").GetString()!;
    }

    /// <summary>Registers <paramref name="key"/> and returns the node id.</summary>
    public async Task<uint> RegisterAsync(NodeKey key, CancellationToken cancellationToken, string? hostname = null) =>
        (await OkAsync(new { type = "register", public_key = key.PublicKey, hostname = hostname ?? string.Empty, listen_addr = "203.0.113.7:4000" }, cancellationToken)).GetProperty("node_id").GetUInt32();

    public void Dispose() => wire.Dispose();
}

/// <summary>A node identity: an Ed25519 key pair whose public key travels as base64 of the 32 raw bytes.</summary>
internal sealed class NodeKey : IDisposable
{
    private readonly Key _key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });

    public string PublicKey => Convert.ToBase64String(_key.PublicKey.Export(KeyBlobFormat.RawPublicKey));

    public string Sign(string challenge) => Convert.ToBase64String(SignatureAlgorithm.Ed25519.Sign(_key, Encoding.ASCII.GetBytes(challenge)));

    public void Dispose() => _key.Dispose();
}
