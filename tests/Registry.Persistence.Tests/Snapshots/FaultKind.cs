namespace Registry.Persistence.Tests.Snapshots;

/// <summary>How <see cref="FaultyFileSystem"/> fails at its chosen step.</summary>
public enum FaultKind
{
    /// <summary>The step reports an I/O error (ENOSPC, EIO); the store sees it and cleans up.</summary>
    IoError,

    /// <summary>The process dies: nothing after this point runs, no cleanup. A write dies half done.</summary>
    Crash,
}
