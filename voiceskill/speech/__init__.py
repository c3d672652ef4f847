"""voiceskill.speech"""
