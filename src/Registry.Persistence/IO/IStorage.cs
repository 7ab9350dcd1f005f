namespace Registry.Persistence.IO;

/// <summary>The directory operations the log needs: the seam through which tests inject faults.</summary>
internal interface IStorage
{
    /// <summary>Opens an existing file for reading, or for reading and writing.</summary>
    IStorageFile Open(string path, bool writable);

    /// <summary>Creates a new, empty file with owner-only permissions; fails if it exists.</summary>
    IStorageFile Create(string path);

    /// <summary>The files in <paramref name="directory"/> matching <paramref name="pattern"/>.</summary>
    IReadOnlyList<string> List(string directory, string pattern);

    /// <summary>Removes a file.</summary>
    void Delete(string path);

    /// <summary>Makes the directory's entries durable (after a create, rename or delete).</summary>
    void SyncDirectory(string directory);
}
