using System.Diagnostics;

namespace Registry.Cli.Tests;

/// <summary>Starts the real <c>registry</c> program (optionally under another tool such as strace) as a child process.</summary>
public static class ChildProcess
{
    public static string RegistryDll => Path.Combine(AppContext.BaseDirectory, "registry.dll");

    public static Process Start(string? wrapper, IEnumerable<string> wrapperArgs, params string[] registryArgs)
    {
        var info = new ProcessStartInfo(wrapper ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in wrapperArgs)
        {
            info.ArgumentList.Add(arg);
        }

        if (wrapper is not null)
        {
            info.ArgumentList.Add("dotnet");
        }

        info.ArgumentList.Add(RegistryDll);
        foreach (var arg in registryArgs)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start registry");
    }

    /// <summary>Kills the started servers (null entries are skipped) and waits until each has exited.</summary>
    public static async Task StopAsync(params Process?[] servers)
    {
        foreach (var server in servers)
        {
            if (server is not null)
            {
                server.Kill();
                await server.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>Runs to completion within <paramref name="timeout"/> and returns exit code and output.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(TimeSpan timeout, string? wrapper, IEnumerable<string> wrapperArgs, params string[] registryArgs)
    {
        using var process = Start(wrapper, wrapperArgs, registryArgs);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
