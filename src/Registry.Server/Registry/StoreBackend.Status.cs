using Registry.Server.Dispatch;
using Registry.Server.Protocol;

namespace Registry.Server.Registry;

/// <summary>The <c>server_status</c> request: what an operator needs to know about a running server without its metrics endpoint.</summary>
public sealed partial class StoreBackend
{
    /// <summary>
    /// <c>{"type":"server_status","admin_token":…}</c> (ours; a standby serves it too): role, whether writes are taken
    /// and why not, epoch, sequences, readiness, and the replication view from this side. Nothing changes.
    /// </summary>
    private ValueTask<Response> StatusAsync(RequestAuth auth, System.Text.Json.JsonElement request)
    {
        if (auth.RequireAdmin(request) is { } error)
        {
            return ValueTask.FromResult(Response.Failure(error));
        }

        var registry = _registry ?? throw new InvalidOperationException("the backend is not started");
        var store = registry.Store;
        var readiness = CheckReadiness();
        var timeline = _timeline?.Current;
        var follower = _follower;
        var refused = store.IsStandby ? "a standby takes no writes"
            : registry.WritesClosed ? _writesClosedReason ?? "read-only"
            : store.Log.Failure is not null ? "the log failed (fail-stop): restart after checking the disk"
            : _minimum is { } minimum && !minimum.Met(out _) ? "fewer standbys heard from than Registry:MinStandbysToWrite"
            : null;
        var status = new ServerStatus(
            Role: store.IsStandby ? "standby" : "primary",
            WritesRefused: refused,
            Epoch: timeline?.Current ?? 1,
            AppendedSequence: store.Log.AppendedSequence,
            DurableSequence: store.Log.DurableSequence,
            SnapshotSequence: store.Statistics.LastSnapshotSequence,
            Ready: readiness.IsReady,
            NotReadyReason: readiness.IsReady ? null : readiness.Reason,
            ServerId: _identity,
            StandbyOf: store.IsStandby ? _options.StandbyOf : null,
            LagSequences: follower?.LagSequences,
            SincePrimaryMs: StandbyLag() is { } lag && lag != TimeSpan.MaxValue ? (long)lag.TotalMilliseconds : null,
            LagMs: follower is null ? null : (long)follower.Behind.TotalMilliseconds,
            CaughtUp: follower?.CaughtUp,
            DivergedAt: follower?.DivergedAt,
            Subscribers: _feed?.Subscribers ?? 0,
            StandbyIds: _source?.ConnectedStandbyIds.Distinct(StringComparer.Ordinal).ToList() ?? [],
            ConfirmedSequence: _confirmations?.Confirmed,
            ConfirmingStandbys: _confirmations?.ConfirmingStandbys,
            StandbysHeard: _minimum?.Heard,
            Poisoned: store.Log.Failure is not null);
        return ValueTask.FromResult(Response.Build("server_status_ok", status, static (w, s) => s.Write(w)));
    }

    /// <summary>The members of a <c>server_status_ok</c> reply; null members are left out.</summary>
    private sealed record ServerStatus(
        string Role,
        string? WritesRefused,
        ulong Epoch,
        ulong AppendedSequence,
        ulong DurableSequence,
        ulong SnapshotSequence,
        bool Ready,
        string? NotReadyReason,
        string? ServerId,
        string? StandbyOf,
        ulong? LagSequences,
        long? SincePrimaryMs,
        long? LagMs,
        bool? CaughtUp,
        ulong? DivergedAt,
        int Subscribers,
        IReadOnlyList<string> StandbyIds,
        ulong? ConfirmedSequence,
        int? ConfirmingStandbys,
        int? StandbysHeard,
        bool Poisoned)
    {
        public void Write(System.Text.Json.Utf8JsonWriter w)
        {
            w.WriteString("role", Role);
            w.WriteBoolean("writes", WritesRefused is null);
            WriteIf(w, "writes_refused", WritesRefused);
            w.WriteNumber("epoch", Epoch);
            w.WriteNumber("appended_sequence", AppendedSequence);
            w.WriteNumber("durable_sequence", DurableSequence);
            w.WriteNumber("snapshot_sequence", SnapshotSequence);
            w.WriteBoolean("ready", Ready);
            WriteIf(w, "not_ready", NotReadyReason);
            w.WriteBoolean("poisoned", Poisoned);
            WriteIf(w, "server_id", ServerId);
            WriteIf(w, "standby_of", StandbyOf);
            WriteIf(w, "lag_sequences", LagSequences);
            WriteIf(w, "since_primary_ms", SincePrimaryMs is { } ms ? (ulong)ms : null);
            WriteIf(w, "lag_ms", LagMs is { } behind ? (ulong)behind : null);
            if (CaughtUp is { } caughtUp)
            {
                w.WriteBoolean("caught_up", caughtUp);
            }

            WriteIf(w, "diverged_at", DivergedAt);
            w.WriteNumber("subscribers", Subscribers);
            w.WriteStartArray("standby_ids");
            foreach (var id in StandbyIds)
            {
                w.WriteStringValue(id);
            }

            w.WriteEndArray();
            WriteIf(w, "confirmed_sequence", ConfirmedSequence);
            WriteIf(w, "confirming_standbys", ConfirmingStandbys is { } c ? (ulong)c : null);
            WriteIf(w, "standbys_heard", StandbysHeard is { } h ? (ulong)h : null);
        }

        private static void WriteIf(System.Text.Json.Utf8JsonWriter w, string name, string? value)
        {
            if (value is not null)
            {
                w.WriteString(name, value);
            }
        }

        private static void WriteIf(System.Text.Json.Utf8JsonWriter w, string name, ulong? value)
        {
            if (value is { } number)
            {
                w.WriteNumber(name, number);
            }
        }
    }
}
