"""What users read: the result document, terminal tables (HTML and XLSX follow)."""

from pilotopt.report.summary import result_document
from pilotopt.report.terminal import (
    print_analysis,
    print_evaluation,
    print_lines,
    print_result,
    solve_progress,
    summary_line,
)

__all__ = ["print_analysis", "print_evaluation", "print_lines", "print_result",
           "result_document", "solve_progress", "summary_line"]
