namespace Registry.Persistence.Deltas.Payloads;

/// <summary>A delta payload is missing or does not decode into its payload type.</summary>
/// <remarks>Go's replay stops at such an entry ("apply WAL entry &lt;n&gt;: …"); the caller decides whether to stop or skip.</remarks>
public sealed class DeltaPayloadException : PersistenceException
{
    /// <summary>Creates the exception.</summary>
    public DeltaPayloadException(string message, Exception? innerException = null)
        : base(message, null, -1, innerException)
    {
    }
}
