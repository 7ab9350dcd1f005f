using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Registry.Cli.Tests;

/// <summary>registry loadgen against a real registry serve child process on 127.0.0.1.</summary>
public class LoadgenTests
{
    [Fact]
    public async Task Loadgen_AgainstServe_ReportsAcknowledgedOperationsWithoutErrors()
    {
        using var dir = new TempDirectory();
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        using var server = ChildProcess.Start(null, [], "serve", "--data", dir.Path, "--listen", $"127.0.0.1:{port}");
        try
        {
            while (await server.StandardOutput.ReadLineAsync(cts.Token) is { } line && !line.Contains("istening", StringComparison.Ordinal))
            {
            }

            foreach (var op in new[] { "register", "set_tags", "mixed" })
            {
                var (exit, output, err) = CliRunner.Run("loadgen", "--server", $"127.0.0.1:{port}", "--clients", "4", "--duration", "0.5", "--op", op, "--json");
                Assert.True(exit == 0, err);
                var report = JsonNode.Parse(output)!;
                Assert.Equal(0, report["errors"]!.GetValue<long>());
                Assert.True(report["ops"]!.GetValue<long>() > 0, output);
                Assert.True(report["p99_ms"]!.GetValue<double>() >= report["p50_ms"]!.GetValue<double>());
            }
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Loadgen_BadArguments_ExitTwo()
    {
        Assert.Equal(2, CliRunner.Run("loadgen", "--server", "nohostport").Exit);
        Assert.Equal(2, CliRunner.Run("loadgen", "--server", "127.0.0.1:1", "--op", "delete_everything").Exit);
    }
}
