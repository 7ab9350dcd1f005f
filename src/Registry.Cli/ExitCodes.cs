namespace Registry.Cli;

/// <summary>Process exit codes shared by every command; scripts rely on them.</summary>
internal static class ExitCodes
{
    /// <summary>Everything was read and is intact.</summary>
    public const int Ok = 0;

    /// <summary>The input is damaged: something was skipped, torn or corrupt.</summary>
    public const int Damaged = 1;

    /// <summary>Usage or I/O error.</summary>
    public const int UsageOrIo = 2;
}
