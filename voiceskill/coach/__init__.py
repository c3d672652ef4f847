"""voiceskill.coach"""
