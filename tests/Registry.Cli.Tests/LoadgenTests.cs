using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Registry.Persistence.Tests;

namespace Registry.Cli.Tests;

/// <summary>registry loadgen against a real registry serve child process on 127.0.0.1.</summary>
public class LoadgenTests
{
    [Fact]
    public async Task Loadgen_AgainstServe_ReportsAcknowledgedOperationsWithoutErrors()
    {
        using var dir = new TempDirectory();
        var port = LoopbackPort.Free();

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        using var server = ChildProcess.Start(null, [], "serve", "--data", dir.Path, "--listen", $"127.0.0.1:{port}");
        try
        {
            await WaitListeningAsync(server, cts.Token);
            string[][] runs = [["register"], ["set_tags"], ["mixed"], ["heartbeat"], ["lookup"], ["heartbeat", "--binary"], ["lookup", "--binary"], ["set_tags", "--binary"]];
            foreach (var run in runs)
            {
                var (exit, output, err) = CliRunner.Run(["loadgen", "--server", $"127.0.0.1:{port}", "--clients", "4", "--duration", "0.5", "--json", "--op", .. run]);
                Assert.True(exit == 0, err);
                var report = JsonNode.Parse(output)!;
                Assert.Equal(run.Length > 1, report["binary"]!.GetValue<bool>());
                Assert.Equal(0, report["errors"]!.GetValue<long>());
                Assert.True(report["ops"]!.GetValue<long>() > 0, output);
                Assert.True(report["p99_ms"]!.GetValue<double>() >= report["p50_ms"]!.GetValue<double>());
            }
        }
        finally
        {
            await ChildProcess.StopAsync(server);
        }
    }

    [Fact]
    public async Task Loadgen_WithStandby_ReportsReplicationLagOfAcknowledgedRegistrations()
    {
        using var primaryDir = new TempDirectory();
        using var standbyDir = new TempDirectory();
        var primaryPort = LoopbackPort.Free();
        var standbyPort = LoopbackPort.Free();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        using var primary = ChildProcess.Start(null, [], "serve", "--data", primaryDir.Path, "--listen", $"127.0.0.1:{primaryPort}", "--replication-token", "lag-test");
        System.Diagnostics.Process? standby = null;
        try
        {
            await WaitListeningAsync(primary, cts.Token);

            // Started once the primary listens, so its first subscription succeeds instead of waiting out a retry delay.
            standby = ChildProcess.Start(null, [], "serve", "--data", standbyDir.Path, "--listen", $"127.0.0.1:{standbyPort}", "--replication-token", "lag-test", "--standby-of", $"127.0.0.1:{primaryPort}");
            await WaitListeningAsync(standby, cts.Token);

            // Until the standby has its first snapshot no probe can succeed, so short runs repeat (bounded) until one has samples.
            var bound = System.Diagnostics.Stopwatch.StartNew();
            JsonNode report;
            string output;
            do
            {
                var (exit, text, err) = CliRunner.Run("loadgen", "--server", $"127.0.0.1:{primaryPort}", "--standby", $"127.0.0.1:{standbyPort}", "--clients", "4", "--warmup", "0.2", "--duration", "1", "--op", "register", "--json");
                Assert.True(exit == 0, err);
                output = text;
                report = JsonNode.Parse(output)!;
                Assert.Equal(0, report["errors"]!.GetValue<long>());
            }
            while (report["standby_samples"]!.GetValue<double>() == 0 && bound.Elapsed < TimeSpan.FromSeconds(30));

            Assert.True(report["standby_samples"]!.GetValue<double>() > 0, output);
            Assert.Equal(0, report["standby_missed"]!.GetValue<double>());
            Assert.True(report["standby_lag_p50_ms"]!.GetValue<double>() > 0, output);
            Assert.True(report["standby_lag_p99_ms"]!.GetValue<double>() >= report["standby_lag_p50_ms"]!.GetValue<double>(), output);
            Assert.True(report["standby_lag_max_ms"]!.GetValue<double>() >= report["standby_lag_p99_ms"]!.GetValue<double>(), output);

            // Tag changes are probed by a numbered tag; none may be missed (a probe waiting for a number the node has already passed would miss it).
            var (tagsExit, tagsText, tagsErr) = CliRunner.Run("loadgen", "--server", $"127.0.0.1:{primaryPort}", "--standby", $"127.0.0.1:{standbyPort}", "--clients", "4", "--warmup", "0.2", "--duration", "1", "--op", "set_tags", "--json");
            Assert.True(tagsExit == 0, tagsErr);
            var tags = JsonNode.Parse(tagsText)!;
            Assert.Equal(0, tags["errors"]!.GetValue<long>());
            Assert.True(tags["standby_samples"]!.GetValue<double>() > 0, tagsText);
            Assert.Equal(0, tags["standby_missed"]!.GetValue<double>());
            Assert.True(tags["standby_lag_p50_ms"]!.GetValue<double>() > 0, tagsText);
        }
        finally
        {
            await ChildProcess.StopAsync(standby, primary);
            standby?.Dispose();
        }
    }

    [Fact]
    public async Task Loadgen_TlsPinOfTheLoggedCertificate_RunsAndOtherPinIsRefused()
    {
        using var dir = new TempDirectory();
        var port = LoopbackPort.Free();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        using var server = ChildProcess.Start(null, [], "serve", "--data", dir.Path, "--listen", $"127.0.0.1:{port}", "--tls-self-signed");
        try
        {
            var pin = await WaitListeningAsync(server, cts.Token);
            Assert.NotNull(pin);

            var (exit, output, err) = CliRunner.Run("loadgen", "--server", $"127.0.0.1:{port}", "--tls-pin", pin, "--clients", "2", "--duration", "2", "--json");
            Assert.True(exit == 0, err);
            var report = JsonNode.Parse(output)!;
            Assert.Equal(0, report["errors"]!.GetValue<long>());
            Assert.True(report["ops"]!.GetValue<long>() > 0, output);

            var other = new string('f', 64);
            (exit, _, err) = CliRunner.Run("loadgen", "--server", $"127.0.0.1:{port}", "--tls-pin", other, "--clients", "1", "--duration", "0.5");
            Assert.Equal(2, exit);
            Assert.Contains($"presented certificate pin {pin}, not the pinned {other}", err, StringComparison.Ordinal);
        }
        finally
        {
            await ChildProcess.StopAsync(server);
        }
    }

    [Fact]
    public async Task Loadgen_TlsCaOfAnIssuedCertificate_RunsAndAStandbyWithTheCaFollows()
    {
        using var dir = new TempDirectory();
        using var ca = new Registry.Server.Tests.TestCertificateAuthority();
        using var leaf = ca.IssueLocalhost();
        var (certFile, keyFile) = Registry.Server.Tests.TestCertificateAuthority.WriteLeaf(dir.Combine("tls"), leaf);
        var caFile = ca.WriteCaFile(dir.Combine("tls", "ca.pem"));
        var port = LoopbackPort.Free();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        using var primary = ChildProcess.Start(null, [], "serve", "--data", dir.Combine("primary"), "--listen", $"127.0.0.1:{port}", "--tls-cert", certFile, "--tls-key", keyFile, "--replication-token", "ca-test");
        System.Diagnostics.Process? standby = null;
        try
        {
            await WaitListeningAsync(primary, cts.Token);

            var (exit, output, err) = CliRunner.Run("loadgen", "--server", $"localhost:{port}", "--tls-ca", caFile, "--clients", "2", "--duration", "1", "--json");
            Assert.True(exit == 0, err);
            var report = JsonNode.Parse(output)!;
            Assert.Equal(0, report["errors"]!.GetValue<long>());
            Assert.True(report["ops"]!.GetValue<long>() > 0, output);

            // serve --tls-ca reaches the follower: the standby logs its subscription only after the handshake validated the primary.
            standby = ChildProcess.Start(null, [], "serve", "--data", dir.Combine("standby"), "--listen", $"127.0.0.1:{LoopbackPort.Free()}", "--replication-token", "ca-test", "--standby-of", $"127.0.0.1:{port}", "--tls-ca", caFile);
            var subscribed = false;
            while (!subscribed && await standby.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                Assert.DoesNotContain("retrying", line, StringComparison.Ordinal);
                subscribed = line.Contains($"subscribed to 127.0.0.1:{port} over TLS trusting the CA file {caFile}", StringComparison.Ordinal);
            }

            Assert.True(subscribed);
        }
        finally
        {
            await ChildProcess.StopAsync(standby, primary);
            standby?.Dispose();
        }
    }

    [Fact]
    public async Task TlsCa_Unusable_LoadgenAndServeRefuseNamingTheFile()
    {
        using var dir = new TempDirectory();
        var garbage = dir.Combine("garbage.pem");
        await File.WriteAllTextAsync(garbage, "not a certificate\n", TestContext.Current.CancellationToken);

        var (exit, _, err) = CliRunner.Run("loadgen", "--server", "127.0.0.1:1", "--tls-ca", garbage);
        Assert.Equal(2, exit);
        Assert.Contains(garbage, err, StringComparison.Ordinal);

        var (serveExit, output, serveErr) = await ChildProcess.RunAsync(TimeSpan.FromSeconds(30), null, [], "serve", "--data", dir.Combine("data"), "--listen", "127.0.0.1:0", "--standby-of", "127.0.0.1:1", "--tls-ca", garbage);
        Assert.Equal(1, serveExit);
        Assert.Contains(garbage, output + serveErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Loadgen_BadArguments_ExitTwo()
    {
        Assert.Equal(2, CliRunner.Run("loadgen", "--server", "nohostport").Exit);
        Assert.Equal(2, CliRunner.Run("loadgen", "--server", "127.0.0.1:1", "--op", "delete_everything").Exit);
        Assert.Equal(2, CliRunner.Run("loadgen", "--server", "127.0.0.1:1", "--standby", "nohostport").Exit);
        Assert.Equal(2, CliRunner.Run("loadgen", "--server", "127.0.0.1:1", "--warmup", "-1").Exit);
        Assert.Equal(2, CliRunner.Run("loadgen", "--server", "127.0.0.1:1", "--tls-pin", "not-hex").Exit);
        Assert.Equal(2, CliRunner.Run("loadgen", "--server", "127.0.0.1:1", "--tls-pin", new string('a', 64), "--tls-system-trust").Exit);
        Assert.Equal(2, CliRunner.Run("loadgen", "--server", "127.0.0.1:1", "--standby", "127.0.0.1:2", "--standby-tls-pin", new string('a', 64), "--standby-tls-ca", "ca.pem").Exit);
    }

    /// <summary>Reads the server's log until it listens; returns the TLS pin it logged on the way, if any.</summary>
    internal static async Task<string?> WaitListeningAsync(System.Diagnostics.Process server, CancellationToken cancellationToken)
    {
        string? pin = null;
        while (await server.StandardOutput.ReadLineAsync(cancellationToken) is { } line && !line.Contains("istening", StringComparison.Ordinal))
        {
            pin = Regex.Match(line, "pin \\(sha256 of the DER\\) ([0-9a-f]{64})") is { Success: true } match ? match.Groups[1].Value : pin;
        }

        return pin;
    }
}
