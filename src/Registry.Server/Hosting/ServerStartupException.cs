namespace Registry.Server.Hosting;

/// <summary>The server could not start; the message is the one line an operator needs.</summary>
public sealed class ServerStartupException : Exception
{
    /// <summary>Creates the exception with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public ServerStartupException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public ServerStartupException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public ServerStartupException()
    {
    }
}
