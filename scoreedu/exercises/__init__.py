"""Checkers for the exercises at the end of every notebook.

Each checker takes the learner's answer and returns Feedback: whether it is right and, when it
is not, what is wrong with it. An answer left as None is "not attempted", never an error.
"""

from scoreedu.exercises.feedback import Feedback, check_function, check_number

__all__ = ["Feedback", "check_function", "check_number"]
