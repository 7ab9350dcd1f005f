namespace Registry.Server.Observability;

/// <summary>Whether the server should receive traffic, and why not; served by <c>/readyz</c>.</summary>
public readonly record struct ReadinessReport(bool IsReady, string Reason)
{
    /// <summary>Ready.</summary>
    public static ReadinessReport Ready { get; } = new(true, "ready");

    /// <summary>Not ready, because of <paramref name="reason"/>.</summary>
    public static ReadinessReport NotReady(string reason) => new(false, reason);

    /// <summary>
    /// The standard rule: recovered, log not poisoned, and on a standby: heard from the primary within
    /// <paramref name="maxLag"/> (<paramref name="replicationLag"/>), caught up with it on this connection, and not lacking
    /// anything the primary had for longer than <paramref name="maxLag"/> (<paramref name="behindFor"/>;
    /// <paramref name="behind"/>: records behind, as far as known).
    /// </summary>
    public static ReadinessReport Evaluate(bool recovered, Exception? logFailure, bool isStandby, TimeSpan? replicationLag, TimeSpan maxLag, bool caughtUp = true, ulong behind = 0, TimeSpan behindFor = default)
    {
        if (!recovered)
        {
            return NotReady("recovering");
        }

        if (logFailure is not null)
        {
            return NotReady("log poisoned: " + logFailure.Message);
        }

        if (isStandby && (replicationLag is null || replicationLag > maxLag))
        {
            return NotReady(replicationLag is null ? "standby has no replicated state yet" : "standby lagging");
        }

        if (isStandby && !caughtUp)
        {
            return NotReady(behind > 0 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"standby catching up with the primary: {behind} records behind") : "standby catching up with the primary");
        }

        if (isStandby && behindFor > maxLag)
        {
            return NotReady(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"standby lagging: it has lacked records the primary had for {behindFor.TotalSeconds:0.#} s ({behind} records behind)"));
        }

        return Ready;
    }
}
