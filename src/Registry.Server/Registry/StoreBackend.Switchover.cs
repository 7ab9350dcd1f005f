using Microsoft.Extensions.Logging;
using Registry.Persistence.Wal;
using Registry.Server.Dispatch;
using Registry.Server.Hosting;
using Registry.Server.Protocol;
using Registry.Server.Replication;

namespace Registry.Server.Registry;

/// <summary>Promotion and step-down: the two halves of a switchover that loses no acknowledged write (docs/replication.md, "Switchover").</summary>
public sealed partial class StoreBackend
{
    /// <summary>How long a promote with <c>after_sequence</c> waits for the standby to hold that sequence, unless it sets <c>timeout_ms</c>.</summary>
    public static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest <c>timeout_ms</c> a promote may ask for.</summary>
    public static readonly TimeSpan MaxCatchUpTimeout = TimeSpan.FromMinutes(10);

    /// <summary>How often that wait looks at the standby's log.</summary>
    private static readonly TimeSpan CatchUpPoll = TimeSpan.FromMilliseconds(5);

    /// <summary>How long one attempt to reach the old primary to fence it may take.</summary>
    private static readonly TimeSpan FenceTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How often a promoted server retries fencing its old primary until it succeeds.</summary>
    public static readonly TimeSpan FenceRetry = TimeSpan.FromSeconds(2);

    private volatile string? _writesClosedReason;

    /// <summary>This server's timeline as kept in memory, for tests.</summary>
    internal Persistence.Replication.Timeline? TimelineForTests => _timeline?.Current;

    /// <summary>
    /// <c>{"type":"promote","admin_token":…[,"after_sequence":N]}</c>: a standby stops following its primary and accepts
    /// writes from now on. Replies <c>promote_ok</c> with the sequence it continues from and its epoch. On a primary it
    /// changes nothing, except that a stepped-down one takes writes again (<c>"resumed":true</c>) and a superseded one
    /// refuses. With <c>after_sequence</c> (what <c>step_down</c> answered on the old primary) it first waits,
    /// up to <c>timeout_ms</c> (default <see cref="CatchUpTimeout"/>), until its log durably holds that sequence, and
    /// refuses to promote otherwise.
    /// </summary>
    /// <remarks>
    /// Its log already holds the primary's records with the primary's numbering, so it continues exactly where
    /// replication stopped. The old primary must be stopped, or stepped down, first: two primaries would diverge.
    /// </remarks>
    private async ValueTask<Response> PromoteAsync(RequestAuth auth, System.Text.Json.JsonElement request, CancellationToken cancellationToken)
    {
        if (auth.RequireAdmin(request) is { } error)
        {
            return Response.Failure(error);
        }

        var registry = _registry ?? throw new InvalidOperationException("the backend is not started");
        var wasStandby = registry.Store.IsStandby;
        var timeout = RequestFields.GetOptionalUInt64(request, "timeout_ms") is { } ms
            ? TimeSpan.FromMilliseconds(Math.Min(ms, (ulong)MaxCatchUpTimeout.TotalMilliseconds))
            : CatchUpTimeout;
        if (wasStandby && RequestFields.GetOptionalUInt64(request, "after_sequence") is { } required
            && !await CaughtUpAsync(registry.Store.Log, required, timeout, cancellationToken).ConfigureAwait(false))
        {
            return Response.Failure(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"promote: cannot promote yet: this standby durably holds sequence {registry.Store.Log.AcknowledgedSequence}, not {required}, after {timeout.TotalMilliseconds:0} ms; still following"));
        }

        if (_following is { } following)
        {
            await following.CancelAsync().ConfigureAwait(false);
            await _followLoop.ConfigureAwait(false);
        }

        _follower = null;
        var resumed = !wasStandby && ResumeAfterStepDown(registry);
        if (!wasStandby && registry.WritesClosed && !resumed)
        {
            return Response.Failure($"promote: cannot take writes: {_writesClosedReason ?? "writes are closed"}");
        }

        var sequence = registry.Store.Log.AppendedSequence;
        if (wasStandby && _timeline is { } timeline)
        {
            // Durable before the first write of the new epoch can be accepted, so a split always shows in the timelines.
            timeline.Update(current => current.Promote(sequence + 1));
        }

        registry.Store.IsStandby = false;
        Promoted(_logger, wasStandby, sequence);
        var epoch = _timeline?.Current.Current ?? 1;
        if (wasStandby && _options.FenceOnPromote && HostPort.TryParse(_options.StandbyOf, out var oldPrimary))
        {
            // In the background: the promotion stands whether or not the old primary can be reached.
            _ = FenceOldPrimaryAsync(oldPrimary, sequence + 1, epoch);
        }

        return Response.Build("promote_ok", (wasStandby, sequence, epoch, resumed), static (w, s) =>
        {
            w.WriteBoolean("was_standby", s.wasStandby);
            if (s.resumed)
            {
                w.WriteBoolean("resumed", true);
            }

            w.WriteNumber("sequence", s.sequence);
            w.WriteNumber("epoch", s.epoch);
        });
    }

    /// <summary>
    /// <c>{"type":"step_down","admin_token":…}</c>: this primary refuses every write from now on (as a standby would) and
    /// replies <c>step_down_ok</c> with the last sequence it will ever acknowledge, once that is durable. It keeps
    /// serving reads and replication, so its standby can catch up to that sequence before being promoted with
    /// <c>after_sequence</c>. It stays read-only (and not ready), also across restarts (the step-down is recorded in
    /// <c>timeline.json</c>), until a <c>promote</c> request resumes its writes, a promotion elsewhere fences it, or it
    /// is started as a standby; repeating the request is harmless.
    /// </summary>
    private async ValueTask<Response> StepDownAsync(RequestAuth auth, System.Text.Json.JsonElement request, CancellationToken cancellationToken)
    {
        if (auth.RequireAdmin(request) is { } error)
        {
            return Response.Failure(error);
        }

        var registry = _registry ?? throw new InvalidOperationException("the backend is not started");
        if (registry.Store.IsStandby)
        {
            return Response.Failure("step_down: cannot step down a standby; step down its primary");
        }

        _writesClosedReason ??= SteppedDownReason;
        var sequence = await registry.CloseWritesAsync(cancellationToken).ConfigureAwait(false);
        var epoch = _timeline?.Current.Current ?? 1;
        try
        {
            // Recorded before the answer, so a restart before the switchover completes does not take writes again.
            _timeline?.Update(current => current.WithSteppedDown(sequence));
        }
        catch (IOException ex)
        {
            StepDownNotRecorded(_logger, ex.Message);
        }

        SteppedDown(_logger, sequence, epoch);
        return Response.Build("step_down_ok", (sequence, epoch), static (w, s) =>
        {
            w.WriteNumber("sequence", s.sequence);
            w.WriteNumber("epoch", s.epoch);
        });
    }

    private const string SteppedDownReason = "stepped down for a switchover: read-only until a promote request resumes writes, or started as a standby";

    /// <summary>Takes writes again on a primary that stepped down for a switchover that did not happen (a <c>promote</c> request to it); false when it is not stepped down.</summary>
    private bool ResumeAfterStepDown(DurableRegistry registry)
    {
        lock (_writesGate)
        {
            // Never after a fence, even one still being recorded; the mark is cleared first, and if that cannot be
            // saved the step-down stands (and the request fails with the I/O error).
            if (_fencedBy != 0 || _timeline is not { } timeline
                || !timeline.Update(current => current.SteppedDownAt is not null && current.SupersededBy is null ? current.WithSteppedDown(null) : null))
            {
                return false;
            }

            _writesClosedReason = null;
            registry.ReopenWrites();
        }

        ResumedAfterStepDown(_logger, registry.Store.Log.AppendedSequence);
        return true;
    }

    // Orders a fence against the resumption of writes after a step-down: whichever comes second sees the first.
    private readonly Lock _writesGate = new();

    // The newest epoch known to supersede this primary (0: none); set under _writesGate.
    private ulong _fencedBy;

    /// <summary>A server on a newer epoch subscribed: a promotion superseded this primary, which stops taking writes as after <c>step_down</c> (fencing).</summary>
    private void OnSuperseded(ulong epoch)
    {
        if (_registry is not { } registry || registry.Store.IsStandby)
        {
            return;
        }

        lock (_writesGate)
        {
            if (_fencedBy >= epoch)
            {
                return;
            }

            // Also when writes are closed already (a step-down for the switchover that superseded it): the fence is
            // recorded too, so that neither a restart nor a promote request resumes writes here.
            _fencedBy = epoch;
            _writesClosedReason = SupersededReason(epoch);
        }

        _ = CloseAsSupersededAsync(registry, epoch);
    }

    private void RecordSuperseded(ulong epoch)
    {
        try
        {
            // Recorded so that a restart as a primary stays fenced.
            _timeline?.Update(current => current.Superseded(epoch));
        }
        catch (IOException ex)
        {
            FenceNotRecorded(_logger, ex.Message);
        }
    }

    private static string SupersededReason(ulong epoch) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"superseded by epoch {epoch} (another server was promoted): read-only until started as its standby");

    private async Task CloseAsSupersededAsync(DurableRegistry registry, ulong epoch)
    {
        try
        {
            var last = await registry.CloseWritesAsync(CancellationToken.None).ConfigureAwait(false);
            Fenced(_logger, epoch, last);
        }
        catch (Exception ex) when (ex is Persistence.PersistenceException or ObjectDisposedException)
        {
            // Writes are closed either way; only the wait for the last ones failed.
            Fenced(_logger, epoch, registry.Store.Log.AcknowledgedSequence);
        }

        RecordSuperseded(epoch);
    }

    /// <summary>
    /// Tells the primary this server followed that a newer epoch began, so that it stops taking writes; retried every
    /// <see cref="FenceRetry"/> until it answers or this server stops, so an old primary that was down at the promotion
    /// is fenced within that time of coming back.
    /// </summary>
    private async Task FenceOldPrimaryAsync(System.Net.EndPoint oldPrimary, ulong next, ulong epoch)
    {
        var stop = _background.Token;
        for (var attempt = 1; !stop.IsCancellationRequested; attempt++)
        {
            string reason;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(FenceTimeout);
                var answer = await StandbyFollower.AnnounceEpochAsync(oldPrimary, StandbyTrust(_options), _options.ReplicationToken ?? string.Empty, next, epoch, timeout.Token).ConfigureAwait(false);
                if (answer is not null && answer.Contains("superseded", StringComparison.Ordinal))
                {
                    FencedOldPrimary(_logger, oldPrimary, epoch);
                    return;
                }

                reason = answer ?? "it streamed instead of refusing (an older build?)";
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException or System.Text.Json.JsonException)
            {
                reason = ex.Message;
            }

            if (attempt == 1)
            {
                CouldNotFence(_logger, oldPrimary, reason, FenceRetry);
            }

            try
            {
                await Task.Delay(FenceRetry, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Waits until <paramref name="log"/> acknowledges <paramref name="sequence"/> (records arriving from the primary), or <paramref name="timeout"/> passes.</summary>
    private async Task<bool> CaughtUpAsync(WriteAheadLog log, ulong sequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (log.AcknowledgedSequence < sequence)
        {
            if (_time.GetElapsedTime(started) >= timeout || log.Failure is not null)
            {
                return false;
            }

            await Task.Delay(CatchUpPoll, _time, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    [LoggerMessage(4, LogLevel.Warning, "Promoted to primary (was standby: {WasStandby}); continuing after sequence {Sequence}")]
    private static partial void Promoted(ILogger logger, bool wasStandby, ulong sequence);

    [LoggerMessage(LogLevel.Error, "Superseded: a server on epoch {Epoch} exists, so another server was promoted; writes refused from now on (last sequence {Sequence}). Restart this server as a standby of the new primary")]
    private static partial void Fenced(ILogger logger, ulong epoch, ulong sequence);

    [LoggerMessage(LogLevel.Information, "Fenced the old primary {OldPrimary}: it knows epoch {Epoch} exists and refuses writes")]
    private static partial void FencedOldPrimary(ILogger logger, System.Net.EndPoint oldPrimary, ulong epoch);

    [LoggerMessage(LogLevel.Warning, "Could not fence the old primary {OldPrimary}: {Reason}. Retrying every {Retry} while this server runs; if it still takes writes, stop it")]
    private static partial void CouldNotFence(ILogger logger, System.Net.EndPoint oldPrimary, string reason, TimeSpan retry);

    [LoggerMessage(LogLevel.Error, "Superseded by epoch {Epoch} at an earlier run: writes refused. Start this server as a standby of the new primary")]
    private static partial void StillSuperseded(ILogger logger, ulong epoch);

    [LoggerMessage(LogLevel.Error, "Could not record in timeline.json that this server was superseded ({Reason}); the fence holds until restart only")]
    private static partial void FenceNotRecorded(ILogger logger, string reason);

    [LoggerMessage(LogLevel.Error, "Could not record in timeline.json that this server stepped down ({Reason}); a restart would take writes again")]
    private static partial void StepDownNotRecorded(ILogger logger, string reason);

    [LoggerMessage(LogLevel.Warning, "Writes resumed after a step-down (promote request): the switchover did not happen; continuing after sequence {Sequence}")]
    private static partial void ResumedAfterStepDown(ILogger logger, ulong sequence);

    [LoggerMessage(LogLevel.Warning, "Stepped down for a switchover at an earlier run (after sequence {Sequence}): writes refused. Send it a promote request to take writes again, or start it as a standby of the new primary")]
    private static partial void StillSteppedDown(ILogger logger, ulong sequence);

    [LoggerMessage(LogLevel.Warning, "Stepped down for a switchover: writes refused from now on; last sequence {Sequence} (epoch {Epoch}) is durable")]
    private static partial void SteppedDown(ILogger logger, ulong sequence, ulong epoch);
}
