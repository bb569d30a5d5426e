namespace Research.Core.Data;

/// <summary>A dataset that cannot be used as given; the message names the file and the image/annotation id.</summary>
public sealed class DatasetException : Exception
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public DatasetException(string message, Exception? inner = null) : base(message, inner) { }
}
