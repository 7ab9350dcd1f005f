using System.CommandLine;
using Registry.Server.Security;

namespace Registry.Cli;

/// <summary>The <c>--tls-pin</c>, <c>--tls-ca</c> and <c>--tls-system-trust</c> flags of a command that dials one server, and the trust they select.</summary>
internal sealed class TlsClientFlags
{
    private readonly Option<string?> _pin = new("--tls-pin") { Description = "Dial --server over TLS, accepting only the certificate whose SHA-256 (hex) is this pin." };
    private readonly Option<string?> _ca = new("--tls-ca") { Description = "Dial --server over TLS, validating its certificate against the CA certificates of this PEM file and the --server host name." };
    private readonly Option<bool> _systemTrust = new("--tls-system-trust") { Description = "Dial --server over TLS, validating its certificate against the system trust store and the --server host name." };

    /// <summary>Adds the three flags to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_pin);
        command.Options.Add(_ca);
        command.Options.Add(_systemTrust);
    }

    /// <summary>The trust the flags select (null: plain TCP); false after telling <paramref name="context"/> why they are unusable.</summary>
    public bool TryResolve(ParseResult parse, CliContext context, string commandName, out TlsClientTrust? trust)
    {
        try
        {
            trust = TlsClientTrust.From(parse.GetValue(_pin), parse.GetValue(_ca), parse.GetValue(_systemTrust));
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException)
        {
            context.Err.WriteLine($"registry {commandName}: tls: {ex.Message}");
            trust = null;
            return false;
        }
    }
}
