namespace Registry.Core;

/// <summary>A request the registry refused; nothing was changed and nothing was logged.</summary>
/// <remarks><see cref="Exception.Message"/> is the protocol's error text (wire-protocol §2–§3), ready for the error response and its sanitizer.</remarks>
public sealed class RegistryException : Exception
{
    /// <summary>Creates the exception with its reason and protocol text.</summary>
    public RegistryException(RegistryErrorCode code, string message)
        : base(message)
    {
        Code = code;
    }

    /// <summary>The machine-readable reason.</summary>
    public RegistryErrorCode Code { get; }
}
