namespace Registry.Core;

/// <summary>A logged delta that cannot be applied (for example a register entry with node id 0 or a bad key); replay should stop.</summary>
public sealed class InvalidDeltaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidDeltaException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
