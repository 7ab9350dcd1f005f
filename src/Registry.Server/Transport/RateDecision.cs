namespace Registry.Server.Transport;

/// <summary>What the per-connection rate rule says about the next request.</summary>
public enum RateDecision
{
    /// <summary>Serve it now.</summary>
    Proceed,

    /// <summary>Serve it after the throttle delay (average above the throttle rate).</summary>
    Delay,

    /// <summary>Close the connection (average above the close rate).</summary>
    Close,
}
