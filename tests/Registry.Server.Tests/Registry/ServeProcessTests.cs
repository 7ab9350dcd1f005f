using System.Collections.Concurrent;
using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>The real executable: kill -9 loses no acknowledged mutation; SIGTERM exits 0 after the final snapshot.</summary>
public sealed class ServeProcessTests
{
    private const int Clients = 4;
    private const int KillAfterAcknowledged = 150;

    [Fact]
    public async Task KillDash9_MidStream_EveryAcknowledgedMutationIsThereAfterRestart()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var registered = new ConcurrentBag<(uint Id, string PublicKey)>();
        var tagged = new ConcurrentBag<(uint Id, string Tag)>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        using (var serve = await ServeProcess.StartAsync(dir.Path, ct))
        {
            var workers = Enumerable.Range(0, Clients).Select(c => Task.Run(() => DriveAsync(serve, c, registered, tagged, enough, ct), ct)).ToArray();
            await enough.Task.WaitAsync(ct);

            // Requests are still in flight on every connection: this is the crash the durability contract is about.
            serve.KillHard();
            await serve.WaitForExitAsync(ct);
            await Task.WhenAll(workers);
        }

        Assert.True(registered.Count + tagged.Count >= KillAfterAcknowledged);
        using var restarted = await ServeProcess.StartAsync(dir.Path, ct);
        using var client = await restarted.ConnectAsync(ct);
        foreach (var (id, publicKey) in registered)
        {
            var reply = await client.OkAsync(new { type = "lookup", node_id = id }, ct);
            Assert.Equal(publicKey, reply.GetProperty("public_key").GetString());
        }

        foreach (var (id, tag) in tagged)
        {
            var reply = await client.OkAsync(new { type = "lookup", node_id = id }, ct);
            Assert.Equal([tag], reply.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        }
    }

    [Fact]
    public async Task SigTerm_ExitsZeroWithinSeconds_AndLeavesAFinalSnapshot()
    {
        var ct = Timeouts.Bounded(30);
        using var dir = new TempDirectory();
        using var key = new NodeKey();
        using var serve = await ServeProcess.StartAsync(dir.Path, ct);
        using (var client = await serve.ConnectAsync(ct))
        {
            await client.RegisterAsync(key, ct);
        }

        await serve.TerminateAsync(ct);
        using var exitWithin = CancellationTokenSource.CreateLinkedTokenSource(ct);
        exitWithin.CancelAfter(TimeSpan.FromSeconds(10));
        var exit = await serve.WaitForExitAsync(exitWithin.Token);

        Assert.True(exit == 0, $"exit {exit}:\n{serve.Output}");
        var snapshot = Path.Combine(dir.Path, "snapshot.json");
        Assert.True(File.Exists(snapshot), serve.Output);
        Assert.Contains(key.PublicKey, await File.ReadAllTextAsync(snapshot, ct), StringComparison.Ordinal);
        Assert.Contains("Store closed", serve.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondServer_SameDataDirectory_ExitsOneWithOneLineAndNoStackTrace()
    {
        var ct = Timeouts.Bounded(30);
        using var dir = new TempDirectory();
        using var first = await ServeProcess.StartAsync(dir.Path, ct);

        var (exit, output) = await ServeProcess.RunToExitAsync(dir.Path, ct);

        Assert.Equal(1, exit);
        Assert.Single(output.Split('\n'), l => l.Contains("cannot open data directory", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        using var client = await first.ConnectAsync(ct);
        using var key = new NodeKey();
        await client.RegisterAsync(key, ct);
    }

    [Fact]
    public async Task PortInUse_OnADirectoryThatNeedsRepair_ExitsOneAndChangesNothing()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        using var key = new NodeKey();
        uint id;
        using (var serve = await ServeProcess.StartAsync(dir.Path, ct))
        {
            using var client = await serve.ConnectAsync(ct);
            id = await client.RegisterAsync(key, ct);
            await serve.KillTreeAndWaitAsync(ct);
        }

        // Junk after the last record of the last segment: the next recovery that runs repairs it as a torn tail.
        var segment = Directory.GetFiles(Path.Combine(dir.Path, "wal"), "*.wal").Order(StringComparer.Ordinal).Last();
        await using (var file = new FileStream(segment, FileMode.Append))
        {
            file.Write([0xde, 0xad, 0xbe, 0xef]);
        }

        var damaged = FaultDrill.Fingerprint(dir.Path);
        using var occupier = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        occupier.Start();
        var taken = $"127.0.0.1:{((System.Net.IPEndPoint)occupier.LocalEndpoint).Port}";

        // A port held by another process fails the start before recovery: no repair, no snapshot, not one byte changed.
        foreach (var (listen, extra, part) in new[] { (taken, Array.Empty<string>(), "client listener"), ((string?)null, new[] { "--metrics-listen", taken }, "metrics endpoint") })
        {
            var (exit, output) = await ServeProcess.RunToExitAsync(dir.Path, ct, null, listen, extra);

            Assert.True(exit == 1, $"exit {exit}:\n{output}");
            Assert.Contains($"cannot start the {part} on {taken}", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Recovered", output, StringComparison.Ordinal);
            var differences = FaultDrill.Differences(damaged, FaultDrill.Fingerprint(dir.Path));
            Assert.True(differences.Count == 0, $"the failed start ({part}) changed files:\n{string.Join('\n', differences)}");
        }

        // With its ports free the same directory is repaired and keeps what was acknowledged.
        using var restarted = await ServeProcess.StartAsync(dir.Path, ct);
        Assert.True(FaultDrill.Recovery(restarted.Output).BytesCut > 0, restarted.Output);
        using var after = await restarted.ConnectAsync(ct);
        Assert.Equal(key.PublicKey, (await after.OkAsync(new { type = "lookup", node_id = id }, ct)).GetProperty("public_key").GetString());
    }

    internal static async Task DriveAsync(ServeProcess serve, int clientNumber, ConcurrentBag<(uint, string)> registered, ConcurrentBag<(uint, string)> tagged, TaskCompletionSource enough, CancellationToken cancellationToken, int killAfter = KillAfterAcknowledged)
    {
        try
        {
            using var client = await serve.ConnectAsync(cancellationToken);
            for (var i = 0; ; i++)
            {
                using var key = new NodeKey();
                var id = await client.RegisterAsync(key, cancellationToken);
                registered.Add((id, key.PublicKey));
                var tag = $"c{clientNumber}-n{i}";
                await client.OkAsync(new { type = "set_tags", node_id = id, tags = new[] { tag }, signature = key.Sign($"set_tags:{id}") }, cancellationToken);
                tagged.Add((id, tag));
                if (registered.Count + tagged.Count >= killAfter)
                {
                    enough.TrySetResult();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // The server died mid-request: that request was never acknowledged, so nothing is recorded for it.
        }
    }
}
