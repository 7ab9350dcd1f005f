namespace Registry.Server.Security;

/// <summary>The Ed25519 checks requested while one pass of an event loop dispatched its requests, run together at the end of the dispatching.</summary>
/// <remarks>
/// <para>Why: a check that misses the memo costs ~50–70 µs of a core. Sent to the pool one by one, each costs a pool
/// wake-up, a post back to the loop and an eventfd wake-up, and the mutation behind it appends from a pool thread
/// (waking the log's flusher): on two cores that hand-off work cost about as much as the rest of a set_tags. Here the
/// loop collects a pass's checks and verifies them itself with one helper thread (<see cref="HelperThread"/>; one
/// wake-up per pass; checks are taken one at a time from a shared counter, so neither waits for the other longer than
/// one check), then completes them on its own thread: the handlers resume there, their mutations join the pass's
/// commit.</para>
/// <para>Every check is still computed: this changes where and when, not whether (the memo of
/// <see cref="SignatureVerifier"/> is the only thing that answers without computing).</para>
/// <para>Threading: adding checks and <see cref="Run"/> belong to the owning loop thread; only the computation of
/// claimed checks runs on the helper.</para>
/// </remarks>
internal sealed class VerificationBatch : IDisposable
{
    [ThreadStatic]
    private static VerificationBatch? t_current;

    private readonly List<Check> _pending = [];

    // Reused by every pass: a helper that started always sets it before Run returns; one that did not never touches it.
    private readonly ManualResetEventSlim _helperFinished = new(false);
    private readonly Action<Action> _startHelper;
    private readonly HelperThread? _helperThread;

    /// <summary>Creates a batch whose helper is a thread of its own, named <paramref name="helperName"/>.</summary>
    public VerificationBatch(string helperName)
    {
        _helperThread = new HelperThread(helperName);
        _startHelper = _helperThread.Start;
    }

    /// <summary>Creates a batch that starts its helper with <paramref name="startHelper"/> (tests decide when, or whether, it runs).</summary>
    internal VerificationBatch(Action<Action> startHelper) => _startHelper = startHelper;

    /// <summary>The batch collecting the checks of the request being dispatched on this thread, or null when a check is to be made by its caller.</summary>
    public static VerificationBatch? Current
    {
        get => t_current;
        set => t_current = value;
    }

    /// <summary>Checks added since the last <see cref="Run"/>.</summary>
    public int Count => _pending.Count;

    /// <summary>Adds the check of <paramref name="signatureBase64"/> over <paramref name="challenge"/> by <paramref name="storedPublicKey"/>; completes, on the thread that calls <see cref="Run"/>, with <see cref="SignatureVerifier.VerifyComputed"/>'s answer.</summary>
    public ValueTask<string?> Add(SignatureVerifier verifier, string storedPublicKey, string signatureBase64, string challenge) =>
        Add(() => verifier.VerifyComputed(storedPublicKey, signatureBase64, challenge));

    /// <summary>Adds a check computed by <paramref name="compute"/> (tests time the computation with it).</summary>
    internal ValueTask<string?> Add(Func<string?> compute)
    {
        var check = new Check(compute);
        _pending.Add(check);
        return new ValueTask<string?>(check.Done.Task);
    }

    /// <summary>Computes every added check (with the helper when there are several) and then completes them in the order they were added, running their continuations on this thread.</summary>
    public void Run()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        _helperFinished.Reset();
        var run = new PassRun([.. _pending], _helperFinished);
        _pending.Clear();
        if (run.Checks.Length > 1)
        {
            _startHelper(run.Help);
        }

        run.Work();
        run.WaitForHelper();
        foreach (var check in run.Checks)
        {
            check.Complete();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _helperThread?.Dispose();
        _helperFinished.Dispose();
    }

    private sealed class Check(Func<string?> compute)
    {
        private string? _result;
        private Exception? _error;

        // Continuations run synchronously on the completing thread: the loop's, which is the point.
        public TaskCompletionSource<string?> Done { get; } = new(TaskCreationOptions.None);

        public void Compute()
        {
            try
            {
                _result = compute();
            }
#pragma warning disable CA1031 // Handed to the request's own continuation, which reports it as that request's failure.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _error = ex;
            }
        }

        public void Complete()
        {
            if (_error is null)
            {
                Done.SetResult(_result);
            }
            else
            {
                Done.SetException(_error);
            }
        }
    }

    /// <summary>One pass's checks, shared by the loop and its helper.</summary>
    private sealed class PassRun(Check[] checks, ManualResetEventSlim helperFinished)
    {
        private const int Queued = 0;
        private const int Helping = 1;
        private const int Finished = 2;

        private int _next = -1;
        private int _helper = Queued;

        public Check[] Checks => checks;

        /// <summary>Computes unclaimed checks until none is left.</summary>
        public void Work()
        {
            for (var i = Interlocked.Increment(ref _next); i < checks.Length; i = Interlocked.Increment(ref _next))
            {
                checks[i].Compute();
            }
        }

        /// <summary>The helper: helps unless the loop already finished without it.</summary>
        public void Help()
        {
            if (Interlocked.CompareExchange(ref _helper, Helping, Queued) != Queued)
            {
                return;
            }

            Work();
            helperFinished.Set();
        }

        /// <summary>Returns once no check is being computed by the helper: at once if it never started (it will then do nothing), else after its last check.</summary>
        public void WaitForHelper()
        {
            if (Interlocked.CompareExchange(ref _helper, Finished, Queued) != Queued)
            {
                // The helper claimed at most one check after the loop ran out: a wait of one verification at most.
                helperFinished.Wait();
            }
        }
    }
}
