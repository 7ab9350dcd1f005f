namespace Registry.Server.Dispatch;

/// <summary>How a request ended, as the metrics label it.</summary>
public enum DispatchOutcome
{
    /// <summary>The handler returned a success response.</summary>
    Ok,

    /// <summary>The handler returned an error response.</summary>
    Error,

    /// <summary>No handler is registered for the type.</summary>
    Unknown,

    /// <summary>Refused because the server is a standby.</summary>
    Standby,

    /// <summary>The handler threw.</summary>
    Fault,
}
