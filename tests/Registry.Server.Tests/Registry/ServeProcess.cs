using System.Diagnostics;
using System.Net;
using System.Text;
using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>The real <c>registry serve</c> as a child process (registry.dll is copied next to the tests through the Cli project reference).</summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();

    private ServeProcess(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException("registry serve exited before listening:\n" + Output));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public IPEndPoint EndPoint { get; }

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_outputLock)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>registry serve</c> on <paramref name="dataDirectory"/> and a free loopback port, and waits until it logs that it listens.</summary>
    /// <remarks>
    /// A port found free can be taken before the child binds it (parallel test processes open connections, whose local
    /// ports come from the same range): such a start is retried on a new port, twice at most.
    /// </remarks>
    public static async Task<ServeProcess> StartAsync(string dataDirectory, CancellationToken cancellationToken, IReadOnlyList<string>? wrapper = null, IReadOnlyDictionary<string, string>? environment = null, params string[] extraArgs)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(dataDirectory, wrapper, environment, extraArgs, cancellationToken);
            }
            catch (InvalidOperationException ex) when (attempt < 3 && IsPortTaken(ex))
            {
            }
        }
    }

    /// <summary>Whether a start failed only because a port it was given was taken meanwhile.</summary>
    public static bool IsPortTaken(Exception ex) => ex is InvalidOperationException && ex.Message.Contains("Address already in use", StringComparison.Ordinal);

    private static async Task<ServeProcess> StartOnceAsync(string dataDirectory, IReadOnlyList<string>? wrapper, IReadOnlyDictionary<string, string>? environment, string[] extraArgs, CancellationToken cancellationToken)
    {
        var port = LoopbackPort.Free();
        var info = new ProcessStartInfo(wrapper is { Count: > 0 } ? wrapper[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        if (wrapper is { Count: > 0 })
        {
            // e.g. strace with fault injection around the real process
            foreach (var arg in wrapper.Skip(1))
            {
                info.ArgumentList.Add(arg);
            }

            info.ArgumentList.Add("dotnet");
        }

        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "registry.dll"), "serve", "--data", dataDirectory, "--listen", $"127.0.0.1:{port}" }.Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.Start();
        var serve = new ServeProcess(process, new IPEndPoint(IPAddress.Loopback, port));
        try
        {
            await serve._listening.Task.WaitAsync(cancellationToken);
        }
        catch
        {
            serve.Dispose();
            throw;
        }

        return serve;
    }

    /// <summary>Runs <c>registry serve</c> on <paramref name="dataDirectory"/> (on <paramref name="listen"/>, or a free loopback port) expecting it to fail at startup; returns exit code and all output.</summary>
    /// <remarks>
    /// Without <paramref name="listen"/>, a start that failed only because the free port was taken meanwhile is run
    /// again on another (twice at most): the server takes its ports before recovery, so that attempt changed nothing.
    /// </remarks>
    public static async Task<(int Exit, string Output)> RunToExitAsync(string dataDirectory, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null, string? listen = null, params string[] extraArgs)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (exit, output) = await RunOnceToExitAsync(dataDirectory, environment, listen ?? $"127.0.0.1:{LoopbackPort.Free()}", extraArgs, cancellationToken);
            if (listen is not null || attempt == 3 || !output.Contains("cannot start the client listener", StringComparison.Ordinal) || !output.Contains("Address already in use", StringComparison.Ordinal))
            {
                return (exit, output);
            }
        }
    }

    private static async Task<(int Exit, string Output)> RunOnceToExitAsync(string dataDirectory, IReadOnlyDictionary<string, string>? environment, string listen, string[] extraArgs, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "registry.dll"), "serve", "--data", dataDirectory, "--listen", listen }.Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start registry");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    public async Task<RegistryClient> ConnectAsync(CancellationToken cancellationToken) =>
        new(await WireClient.ConnectAsync(EndPoint, cancellationToken));

    /// <summary>SIGKILL: no drain, no final snapshot.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    /// <summary>
    /// SIGKILL to the whole tree, innermost first, and waits until all of it has died (a wrapped registry must have
    /// released the data directory's lock before a restart).
    /// </summary>
    /// <remarks>
    /// The order matters under strace: a tracer killed while its tracee is stopped at a system call it was about to fail
    /// detaches, and the call then runs for real (a snapshot rename "injected" with EIO happened after all). A tracee
    /// killed while stopped there never executes the call.
    /// </remarks>
    public async Task KillTreeAndWaitAsync(CancellationToken cancellationToken)
    {
        var descendants = KillInnermostFirst();
        while (descendants.Exists(IsAlive))
        {
            await Task.Delay(10, cancellationToken);
        }

        await _process.WaitForExitAsync(cancellationToken);
    }

    /// <summary>SIGTERM via kill(1), as a service manager stops the server.</summary>
    public async Task TerminateAsync(CancellationToken cancellationToken)
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(cancellationToken);
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            // Also when a test fails early: a wrapper killed alone would leave the registry it traced running.
            var descendants = KillInnermostFirst();
            _process.WaitForExit(5000);
            SpinWait.SpinUntil(() => !descendants.Exists(IsAlive), 5000);
        }

        _process.Dispose();
    }

    /// <summary>SIGKILL to every descendant, deepest first, then to the process; returns the descendants.</summary>
    private List<int> KillInnermostFirst()
    {
        var descendants = Descendants(_process.Id);
        foreach (var pid in Enumerable.Reverse(descendants))
        {
            try
            {
                using var child = Process.GetProcessById(pid);
                child.Kill();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // Already gone.
            }
        }

        try
        {
            // The pending SIGKILL already stops a traced call from running; the wrapper can go now.
            KillHard();
        }
        catch (InvalidOperationException)
        {
            // The wrapper exited with its last tracee.
        }

        return descendants;
    }

    private static List<int> Descendants(int pid)
    {
        var children = new List<int>();
        foreach (var task in Directory.Exists($"/proc/{pid}/task") ? Directory.GetDirectories($"/proc/{pid}/task") : [])
        {
            try
            {
                children.AddRange(File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, System.Globalization.CultureInfo.InvariantCulture)));
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return children.SelectMany(c => Descendants(c).Prepend(c)).ToList();
    }

    /// <summary>True while the process exists and is not a zombie (a zombie holds no files or locks any more).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var status = File.ReadAllText($"/proc/{pid}/stat");
            return !status[(status.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.AppendLine(line);
        }

        if (line.Contains("Registry server listening on", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
    }
}
